"""Schemathesis hooks: most generated path parameters are replaced by ids of the demo
district, so that responses carrying real data are validated against the official schemas
(random ids would only ever meet 404s)."""

import schemathesis
from hypothesis import strategies as st

# Ids of the demo district (src/demo.rs), by the collection the parameter points into.
BY_COLLECTION = {
    "academicSessions": ["as-2025", "term-fall-2024", "gp-fall-q1"],
    "terms": ["term-fall-2024", "term-spring-2025"],
    "gradingPeriods": ["gp-fall-q1", "gp-spring-q4"],
    "classes": ["cls-pine-bio-2", "cls-elm-math3-a", "cls-pine-alg1-4"],
    "courses": ["crs-pine-bio", "crs-elm-math3"],
    "demographics": ["stu-001", "stu-014"],
    "enrollments": ["enr-stu-001-cls-elm-math3-a", "enr-tch-1-cls-elm-math3-a"],
    "orgs": ["org-district", "sch-elm", "org-pine-science"],
    "schools": ["sch-pine", "sch-elm", "sch-oak"],
    "students": ["stu-014", "stu-001", "stu-016"],
    "teachers": ["tch-3", "tch-1"],
    "users": ["tch-3", "stu-014", "grd-001", "adm-1"],
    "categories": ["cat-homework", "cat-tests"],
    "lineItems": ["li-bio2-test1", "li-math3-quiz1"],
    "results": ["res-li-bio2-test1-stu-014", "res-li-math3-quiz1-stu-001"],
    "scoreScales": ["ss-letter-bio"],
    "assessmentLineItems": ["ali-state-math", "ali-state-math-alg"],
    "assessmentResults": ["ar-state-math-stu-013", "ar-state-math-stu-018"],
    "resources": ["res-math-text", "res-bio-lab"],
}


def candidates(path, name):
    """The demo ids that fit the parameter `name` of `path`."""
    segments = path.strip("/").split("/")
    token = "{" + name + "}"
    if token not in segments:
        return []
    i = segments.index(token)
    return BY_COLLECTION.get(segments[i - 1], []) if i > 0 else []


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = ctx.operation.path
    options = {name: candidates(path, name) for name in path_parameters}
    if not any(options.values()):
        return st.just(path_parameters)

    def real(choice):
        return {
            name: (choice[name] if options[name] else value)
            for name, value in path_parameters.items()
        }

    picks = st.fixed_dictionaries(
        {name: st.sampled_from(ids) for name, ids in options.items() if ids}
    )
    # Mostly real ids, sometimes the generated ones (unknown objects must be 404s).
    return st.one_of(
        st.just(path_parameters), picks.map(real), picks.map(real), picks.map(real)
    )
