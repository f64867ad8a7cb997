//! OpenAPI 3.1 documents generated from the operation table and the entity catalogue, with
//! utoipa's model: one per OneRoster service (official operationIds, scopes, schemas named
//! as in the official files) and one for the platform endpoints (token, JWKS, health).

use std::collections::BTreeSet;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, ParameterStyle, PathItem,
    PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{
    ClientCredentials, Flow, OAuth2, Scopes, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::server::Server;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
};

use crate::api::{Action, Method, OPERATIONS, Operation};
use crate::auth::scope::Scope;
use crate::model::catalogue::{Entity, Extensible, Field, Kind, ObjectDef, Service, Ty, Vocab};
use crate::model::entities;

const SECURITY: &str = "OAuth2CC";
const JSON: &str = "application/json";

fn schema_ref(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn vocab_schema(vocab: &Vocab) -> RefOr<Schema> {
    let listed = string().enum_values(Some(vocab.values.iter().copied()));
    match vocab.ext {
        Extensible::Closed => listed.into(),
        Extensible::ExtPrefix => AnyOfBuilder::new()
            .item(listed)
            .item(string().pattern(Some("(ext:)[a-zA-Z0-9\\.\\-_]+")))
            .into(),
        Extensible::LearningObjectiveSource => AnyOfBuilder::new()
            .item(listed)
            .item(string().pattern(Some("^/?(?!case$)(?!unknown$)[a-z0-9]+$")))
            .into(),
    }
}

/// The official name of a GUIDRef schema, e.g. `OrgGUIDRefDType`.
fn ref_schema(kind: Kind) -> &'static str {
    entities::entity(kind).ref_schema
}

/// The name of a collection envelope, as in the official files.
fn set_schema(entity: &Entity) -> String {
    match entity.kind {
        Kind::Category => "CategoriesSetDType".into(),
        _ => entity.schema.replace("DType", "SetDType"),
    }
}

fn single_schema(entity: &Entity) -> String {
    format!("Single{}", entity.schema)
}

/// Collects the schemas a document needs, then writes them.
#[derive(Default)]
struct Schemas {
    entities: BTreeSet<&'static str>,
    objects: BTreeSet<&'static str>,
    refs: BTreeSet<Kind>,
    metadata: bool,
    pairs: bool,
    out: Vec<(String, RefOr<Schema>)>,
}

impl Schemas {
    fn field_schema(&mut self, field: &Field) -> RefOr<Schema> {
        let min = (field.min_items > 0).then_some(field.min_items as usize);
        match field.ty {
            Ty::Id | Ty::Str => string().into(),
            Ty::Uri => string()
                .format(Some(SchemaFormat::Custom("uri".into())))
                .into(),
            Ty::Date => string()
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                .into(),
            Ty::DateTime => string()
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .into(),
            Ty::Year => string().pattern(Some("^[0-9]{4}$")).into(),
            Ty::Float => ObjectBuilder::new()
                .schema_type(Type::Number)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Float)))
                .into(),
            Ty::Bool => string().enum_values(Some(["true", "false"])).into(),
            Ty::Status => vocab_schema(&entities::STATUS),
            Ty::Vocab(v) => vocab_schema(v),
            Ty::Ref(kind) => {
                self.refs.insert(kind);
                schema_ref(ref_schema(kind))
            }
            Ty::RefList(kind) | Ty::Children(kind, _) => {
                self.refs.insert(kind);
                ArrayBuilder::new()
                    .items(schema_ref(ref_schema(kind)))
                    .min_items(min)
                    .into()
            }
            Ty::StrList => ArrayBuilder::new().items(string()).min_items(min).into(),
            Ty::VocabList(v) => ArrayBuilder::new()
                .items(vocab_schema(v))
                .min_items(min)
                .into(),
            Ty::Objects(def) => {
                self.object(def);
                ArrayBuilder::new()
                    .items(schema_ref(def.schema))
                    .min_items(min)
                    .into()
            }
            Ty::Metadata => {
                self.metadata = true;
                schema_ref("MetadataDType")
            }
        }
    }

    fn object_schema(&mut self, fields: &[Field], open: bool, secret_note: bool) -> RefOr<Schema> {
        let mut b = ObjectBuilder::new().schema_type(Type::Object);
        for f in fields {
            let mut s = self.field_schema(f);
            if f.secret
                && secret_note
                && let RefOr::T(Schema::Object(o)) = &mut s
            {
                o.description =
                    Some("Stored as sent; returned only when the operator enables it".into());
            }
            b = b.property(f.name, s);
            if f.required {
                b = b.required(f.name);
            }
        }
        b.additional_properties(Some(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(open),
        ))
        .into()
    }

    fn object(&mut self, def: &'static ObjectDef) {
        if self.objects.insert(def.schema) {
            let s = self.object_schema(def.fields, def.open, true);
            self.out.push((def.schema.to_string(), s));
        }
    }

    fn entity(&mut self, entity: &'static Entity) {
        if self.entities.insert(entity.schema) {
            let s = self.object_schema(entity.fields, false, true);
            self.out.push((entity.schema.to_string(), s));
            let set = ObjectBuilder::new()
                .property(
                    entity.plural,
                    ArrayBuilder::new().items(schema_ref(entity.schema)),
                )
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            self.out.push((set_schema(entity), set.into()));
            let single = ObjectBuilder::new()
                .property(entity.singular, schema_ref(entity.schema))
                .required(entity.singular)
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            self.out.push((single_schema(entity), single.into()));
        }
    }

    fn finish(mut self, service: Service) -> Vec<(String, RefOr<Schema>)> {
        for kind in std::mem::take(&mut self.refs) {
            let target = entities::entity(kind);
            let s = ObjectBuilder::new()
                .property(
                    "href",
                    string().format(Some(SchemaFormat::Custom("uri".into()))),
                )
                .property("sourcedId", string())
                .property("type", string().enum_values(Some([target.ref_type])))
                .required("href")
                .required("sourcedId")
                .required("type")
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            self.out.push((target.ref_schema.to_string(), s.into()));
        }
        if self.metadata {
            self.out.push((
                "MetadataDType".into(),
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some("Proprietary extensions, returned exactly as stored"))
                    .additional_properties(Some(
                        utoipa::openapi::schema::AdditionalProperties::FreeForm(true),
                    ))
                    .into(),
            ));
        }
        if self.pairs {
            let pair = ObjectBuilder::new()
                .property("suppliedSourcedId", string())
                .property("allocatedSourcedId", string())
                .required("suppliedSourcedId")
                .required("allocatedSourcedId")
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            self.out.push(("GUIDPairDType".into(), pair.into()));
            self.out.push((
                "GUIDPairSetDType".into(),
                ObjectBuilder::new()
                    .property(
                        "sourcedIdPairs",
                        ArrayBuilder::new().items(schema_ref("GUIDPairDType")),
                    )
                    .additional_properties(Some(
                        utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                    ))
                    .into(),
            ));
        }
        // The error payload, with the codeMinor vocabulary of this service.
        let mut minors = vec![
            "fullsuccess",
            "invalid_filter_field",
            "invalid_selection_field",
            "invaliddata",
            "unauthorisedrequest",
            "forbidden",
            "server_busy",
            "unknownobject",
            "internal_server_error",
        ];
        if service == Service::Gradebook {
            minors.push("deletefailure");
        }
        if service == Service::Resources {
            minors.extend(["invalid_sort_field", "unsupported"]);
        }
        self.out.push((
            "imsx_CodeMinorFieldDType".into(),
            ObjectBuilder::new()
                .property("imsx_codeMinorFieldName", string())
                .property(
                    "imsx_codeMinorFieldValue",
                    string().enum_values(Some(minors)),
                )
                .required("imsx_codeMinorFieldName")
                .required("imsx_codeMinorFieldValue")
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
                .into(),
        ));
        self.out.push((
            "imsx_CodeMinorDType".into(),
            ObjectBuilder::new()
                .property(
                    "imsx_codeMinorField",
                    ArrayBuilder::new()
                        .items(schema_ref("imsx_CodeMinorFieldDType"))
                        .min_items(Some(1)),
                )
                .required("imsx_codeMinorField")
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
                .into(),
        ));
        self.out.push((
            "imsx_StatusInfoDType".into(),
            ObjectBuilder::new()
                .property(
                    "imsx_codeMajor",
                    string().enum_values(Some(["success", "processing", "failure", "unsupported"])),
                )
                .property(
                    "imsx_severity",
                    string().enum_values(Some(["status", "warning", "error"])),
                )
                .property("imsx_description", string())
                .property("imsx_CodeMinor", schema_ref("imsx_CodeMinorDType"))
                .required("imsx_codeMajor")
                .required("imsx_severity")
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
                .into(),
        ));
        self.out.sort_by(|a, b| a.0.cmp(&b.0));
        self.out
    }
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(schema_ref("imsx_StatusInfoDType")))
                .build(),
        )
        .build()
}

fn query_param(
    name: &str,
    description: &str,
    schema: impl Into<RefOr<Schema>>,
) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(schema))
        .style(Some(ParameterStyle::Form))
        .build()
}

fn fields_param() -> utoipa::openapi::path::Parameter {
    query_param(
        "fields",
        "The properties to return, comma-separated or repeated (fields=a,b or fields=a&fields=b). \
         An unknown property is a 400 invalid_selection_field.",
        ArrayBuilder::new().items(string()),
    )
}

fn collection_params() -> Vec<utoipa::openapi::path::Parameter> {
    vec![
        query_param(
            "limit",
            "Page size (default 100). Values above the server's maximum page size are clamped; \
             follow the Link header for the rest.",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(1))
                .default(Some(100.into())),
        ),
        query_param(
            "offset",
            "0-based index of the first record of the page.",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(0))
                .default(Some(0.into())),
        ),
        query_param(
            "sort",
            "A single-valued property to sort by (sourcedId is always the final tiebreaker). \
             Ordering is by Unicode code point.",
            string(),
        ),
        query_param(
            "orderBy",
            "Direction of the sort.",
            string().enum_values(Some(["asc", "desc"])),
        ),
        query_param(
            "filter",
            "field op 'value', with op one of = != > >= < <= ~ (~: case-insensitive contains), \
             clauses joined by AND or OR (not both). Dotted paths reach into references and \
             arrays (org.sourcedId, roles.role). A filter on dateLastModified or status also \
             returns deleted records (status tobedeleted).",
            string(),
        ),
        fields_param(),
    ]
}

fn path_params(op: &Operation) -> Vec<utoipa::openapi::path::Parameter> {
    op.path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The sourcedId (GUID) of the object."))
                .schema(Some(string()))
                .style(Some(ParameterStyle::Simple))
                .build()
        })
        .collect()
}

fn operation(op: &'static Operation, schemas: &mut Schemas) -> utoipa::openapi::path::Operation {
    let entity = match &op.action {
        Action::List { view, .. } | Action::Get { view } => view.entity,
        Action::Put { entity } | Action::Post { entity, .. } | Action::Delete { entity } => entity,
    };
    schemas.entity(entity);
    let mut params = path_params(op);
    let mut responses = ResponsesBuilder::new();
    let mut b = OperationBuilder::new()
        .operation_id(Some(op.id))
        .summary(Some(op.summary))
        .tag(entity.tag)
        .security(SecurityRequirement::new(
            SECURITY,
            op.scopes.iter().map(|s| s.uri()),
        ));
    match &op.action {
        Action::List { .. } => {
            params.extend(collection_params());
            responses = responses.response(
                "200",
                ResponseBuilder::new()
                    .description("A page of the collection.")
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(schema_ref(&set_schema(entity))))
                            .build(),
                    )
                    .header(
                        "X-Total-Count",
                        HeaderBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                            .description(Some(
                                "The number of records matching the request, over all pages.",
                            ))
                            .build(),
                    )
                    .header(
                        "Link",
                        HeaderBuilder::new()
                            .schema(Some(string()))
                            .description(Some(
                                "RFC 8288 links to the first, prev, next and last pages.",
                            ))
                            .build(),
                    )
                    .build(),
            );
        }
        Action::Get { .. } => {
            params.push(fields_param());
            responses = responses.response(
                "200",
                ResponseBuilder::new()
                    .description("The object.")
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(schema_ref(&single_schema(entity))))
                            .build(),
                    )
                    .build(),
            );
        }
        Action::Put { .. } => {
            b = b.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(schema_ref(&single_schema(entity))))
                            .build(),
                    )
                    .build(),
            ));
            responses = responses.response(
                "201",
                ResponseBuilder::new()
                    .description("The object was created or replaced.")
                    .build(),
            );
        }
        Action::Post { .. } => {
            schemas.pairs = true;
            b = b.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(schema_ref(&set_schema(entity))))
                            .build(),
                    )
                    .build(),
            ));
            responses = responses.response(
                "201",
                ResponseBuilder::new()
                    .description("The objects were created; each supplied sourcedId is paired with the one allocated.")
                    .content(
                        JSON,
                        ContentBuilder::new()
                            .schema(Some(schema_ref("GUIDPairSetDType")))
                            .build(),
                    )
                    .build(),
            );
        }
        Action::Delete { .. } => {
            responses = responses.response(
                "204",
                ResponseBuilder::new()
                    .description(
                        "The object was deleted (it becomes a tombstone visible to delta queries).",
                    )
                    .build(),
            );
        }
    }
    let reads = matches!(op.action, Action::List { .. } | Action::Get { .. });
    let deletes = matches!(op.action, Action::Delete { .. });
    if reads {
        responses = responses.response(
            "400",
            error_response("Invalid query parameters: invalid_filter_field, invalid_selection_field or invaliddata."),
        );
    } else if !deletes {
        responses = responses.response("400", error_response("The body is not valid JSON."));
    }
    responses = responses
        .response(
            "401",
            error_response("Missing, invalid or expired access token: unauthorisedrequest."),
        )
        .response(
            "403",
            error_response("The access token lacks the scope: forbidden."),
        );
    if !matches!(op.action, Action::List { .. }) || !op.parents().is_empty() {
        responses = responses.response("404", error_response("Unknown object: unknownobject."));
    }
    if deletes {
        responses = responses.response(
            "409",
            error_response("Other active objects still refer to it: deletefailure, naming them."),
        );
    }
    if !reads && !deletes {
        responses = responses.response("413", error_response("The body is too large."));
        responses = responses.response(
            "422",
            error_response(
                "Well-formed JSON that is not a valid object: invaliddata, naming the field.",
            ),
        );
    }
    responses = responses
        .response(
            "429",
            error_response("Too many requests: server_busy (see Retry-After)."),
        )
        .response(
            "500",
            error_response("Internal error: internal_server_error."),
        )
        .response(
            "503",
            error_response("Busy or timed out: server_busy (see Retry-After)."),
        )
        .response("default", error_response("Any other error."));
    b.parameters(Some(params))
        .responses(responses.build())
        .build()
}

fn http_method(m: Method) -> HttpMethod {
    match m {
        Method::Get => HttpMethod::Get,
        Method::Put => HttpMethod::Put,
        Method::Post => HttpMethod::Post,
        Method::Delete => HttpMethod::Delete,
    }
}

fn security_scheme(public_url: &str, scopes: impl Iterator<Item = Scope>) -> SecurityScheme {
    let scopes = Scopes::from_iter(scopes.map(|s| (s.uri(), s.description().to_string())));
    SecurityScheme::OAuth2(OAuth2::with_description(
        [Flow::ClientCredentials(ClientCredentials::new(
            format!("{public_url}/oauth/token"),
            scopes,
        ))],
        "OAuth 2.0 client credentials: POST the client id and secret (HTTP Basic or form) to the token URL.",
    ))
}

/// The document of one OneRoster service.
pub fn service_document(service: Service, public_url: &str) -> OpenApi {
    let mut schemas = Schemas::default();
    let mut paths = PathsBuilder::new();
    let mut scopes = BTreeSet::new();
    let mut tags = BTreeSet::new();
    let ops: Vec<&'static Operation> = OPERATIONS.iter().filter(|o| o.service == service).collect();
    let mut by_path: Vec<(String, PathItem)> = Vec::new();
    for op in &ops {
        scopes.extend(op.scopes.iter().copied());
        let o = operation(op, &mut schemas);
        if let Some(t) = o.tags.as_ref().and_then(|t| t.first()) {
            tags.insert(t.clone());
        }
        match by_path.iter_mut().find(|(p, _)| p == op.path) {
            Some((_, item)) => item.merge_operations(PathItem::new(http_method(op.method), o)),
            None => by_path.push((
                op.path.to_string(),
                PathItem::new(http_method(op.method), o),
            )),
        }
    }
    for (p, item) in by_path {
        paths = paths.path(p, item);
    }
    let (title, about) = match service {
        Service::Rostering => (
            "OneRoster 1.2 Rostering service",
            "Orgs, academic sessions, courses, classes, users, enrollments and demographics.",
        ),
        Service::Gradebook => (
            "OneRoster 1.2 Gradebook service",
            "Categories, line items, results and score scales, with the Assessment Results Profile.",
        ),
        Service::Resources => (
            "OneRoster 1.2 Resources service",
            "The resources referenced by classes, courses and users.",
        ),
    };
    let mut components = ComponentsBuilder::new()
        .security_scheme(SECURITY, security_scheme(public_url, scopes.into_iter()));
    for (name, s) in schemas.finish(service) {
        components = components.schema(name, s);
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(title)
                .version("1.2")
                .description(Some(about))
                .build(),
        )
        .servers(Some([Server::new(format!(
            "{public_url}{}",
            service.base_path()
        ))]))
        .paths(paths.build())
        .components(Some(components.build()))
        .tags(Some(
            tags.into_iter().map(|t| TagBuilder::new().name(t).build()),
        ))
        .build()
}

/// The document of the platform endpoints (token, JWKS, health).
pub fn platform_document(public_url: &str) -> OpenApi {
    let oauth_error = ResponseBuilder::new()
        .description("RFC 6749 §5.2 error: invalid_request, invalid_client (401, with WWW-Authenticate: Basic), unsupported_grant_type or invalid_scope.")
        .content(
            JSON,
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .property("error", string())
                        .property("error_description", string())
                        .required("error"),
                ))
                .build(),
        )
        .build();
    let token = OperationBuilder::new()
        .operation_id(Some("requestToken"))
        .summary(Some("OAuth 2.0 client credentials token request"))
        .description(Some(
            "Authenticate with HTTP Basic (client_secret_basic) or with client_id and client_secret \
             in the form (client_secret_post). `scope` is a space-separated list of OneRoster scope \
             URIs; the token grants those the client is allowed (all of them when omitted).",
        ))
        .tag("OAuth")
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/x-www-form-urlencoded",
                    ContentBuilder::new()
                        .schema(Some(
                            ObjectBuilder::new()
                                .property("grant_type", string().enum_values(Some(["client_credentials"])))
                                .property("scope", string())
                                .property("client_id", string())
                                .property("client_secret", string())
                                .required("grant_type"),
                        ))
                        .build(),
                )
                .build(),
        ))
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("An access token (a signed JWT).")
                        .content(
                            JSON,
                            ContentBuilder::new()
                                .schema(Some(
                                    ObjectBuilder::new()
                                        .property("access_token", string())
                                        .property("token_type", string().enum_values(Some(["Bearer"])))
                                        .property("expires_in", ObjectBuilder::new().schema_type(Type::Integer))
                                        .property("scope", string())
                                        .required("access_token")
                                        .required("token_type")
                                        .required("expires_in")
                                        .required("scope"),
                                ))
                                .build(),
                        )
                        .build(),
                )
                .response("400", oauth_error.clone())
                .response("401", oauth_error.clone())
                .response("429", {
                    let mut throttled = oauth_error;
                    throttled.description = format!(
                        "invalid_client: the client id failed to authenticate {} times within \
                         {} s; Retry-After gives the seconds until it may try again (any secret \
                         is refused until then).",
                        crate::auth::throttle::MAX_FAILURES,
                        crate::auth::throttle::WINDOW_SECS
                    );
                    throttled
                })
                .build(),
        )
        .build();
    let simple = |id: &str, summary: &str, tag: &str| {
        OperationBuilder::new()
            .operation_id(Some(id))
            .summary(Some(summary))
            .tag(tag)
            .responses(
                ResponsesBuilder::new()
                    .response("200", ResponseBuilder::new().description("OK").build())
                    .build(),
            )
            .build()
    };
    let admin_csv = OperationBuilder::new()
        .operation_id(Some("importCsvPackage"))
        .summary(Some("Import a OneRoster 1.2 CSV package (bulk or delta), all or nothing"))
        .description(Some(
            "The body is the zip. Requires a token with the server-administration scope \
             (urn:oneroster-server:scope:admin), which no OneRoster scope grants. Answers the \
             import summary, or 422 invaliddata listing every error (file, line, column, \
             reason) with nothing written. `allowMassDelete=true` lifts the mass-delete guard.",
        ))
        .tag("Administration")
        .security(SecurityRequirement::new(
            SECURITY,
            [Scope::Admin.uri()],
        ))
        .parameter(query_param(
            "allowMassDelete",
            "Allow bulk files to delete more than the configured share of their kind.",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .default(Some(false.into())),
        ))
        .request_body(Some(
            RequestBodyBuilder::new()
                .required(Some(Required::True))
                .content(
                    "application/zip",
                    ContentBuilder::new()
                        .schema(Some(
                            string().format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary))),
                        ))
                        .build(),
                )
                .build(),
        ))
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("The package was applied: rows, elapsed time, per-file counts and the dateLastModified given to changed records.")
                        .build(),
                )
                .response("400", error_response("Not a zip, or an unsafe package."))
                .response("401", error_response("No valid token."))
                .response("403", error_response("The token lacks the administration scope."))
                .response("413", error_response("The package is larger than the import limit."))
                .response(
                    "422",
                    error_response("The package is invalid; every error is listed and nothing was written."),
                )
                .build(),
        )
        .build();
    let paths = PathsBuilder::new()
        .path("/oauth/token", PathItem::new(HttpMethod::Post, token))
        .path("/admin/csv", PathItem::new(HttpMethod::Post, admin_csv))
        .path(
            "/.well-known/jwks.json",
            PathItem::new(
                HttpMethod::Get,
                simple(
                    "getJwks",
                    "The public keys that sign access tokens (JWKS)",
                    "OAuth",
                ),
            ),
        )
        .path(
            "/.well-known/oauth-authorization-server",
            PathItem::new(
                HttpMethod::Get,
                simple(
                    "getAuthorizationServerMetadata",
                    "RFC 8414 authorization server metadata",
                    "OAuth",
                ),
            ),
        )
        .path(
            "/health",
            PathItem::new(
                HttpMethod::Get,
                simple("getHealth", "Liveness: the process answers", "Operations"),
            ),
        )
        .path(
            "/ready",
            PathItem::new(
                HttpMethod::Get,
                simple(
                    "getReady",
                    "Readiness: the database answers (503 otherwise)",
                    "Operations",
                ),
            ),
        );
    let components = ComponentsBuilder::new()
        .security_scheme(
            SECURITY,
            security_scheme(public_url, [Scope::Admin].into_iter()),
        )
        .build();
    OpenApiBuilder::new()
        .components(Some(components))
        .info(
            InfoBuilder::new()
                .title("OneRoster provider: platform endpoints")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Token endpoint, key set, health checks and CSV import.",
                ))
                .build(),
        )
        .servers(Some([Server::new(public_url)]))
        .paths(paths.build())
        .build()
}

/// The documents served and committed, by file stem.
pub fn all_documents(public_url: &str) -> Vec<(&'static str, OpenApi)> {
    vec![
        (
            "rostering",
            service_document(Service::Rostering, public_url),
        ),
        (
            "gradebook",
            service_document(Service::Gradebook, public_url),
        ),
        (
            "resources",
            service_document(Service::Resources, public_url),
        ),
        ("platform", platform_document(public_url)),
    ]
}

/// Pretty JSON of a document, as committed under `openapi/`.
pub fn to_json(doc: &OpenApi) -> String {
    let mut s = serde_json::to_string_pretty(doc).expect("an OpenAPI document serializes");
    s.push('\n');
    s
}

/// A Markdown table of every operation (committed as `openapi/operations.md`).
pub fn operations_markdown() -> String {
    let mut out = String::from(
        "# Operations\n\nGenerated from `src/api/mod.rs` by `oneroster openapi`; do not edit.\n\
         Scopes are those of the official OpenAPI files (any one grants the operation), \
         written without the prefix `https://purl.imsglobal.org/spec/or/v1p2/scope/`.\n",
    );
    for service in Service::ALL {
        out.push_str(&format!(
            "\n## {} — `{}`\n\n| operationId | Method | Path | Scopes | Answers |\n|---|---|---|---|---|\n",
            match service {
                Service::Rostering => "Rostering",
                Service::Gradebook => "Gradebook and Assessment Results Profile",
                Service::Resources => "Resources",
            },
            service.base_path()
        ));
        for op in OPERATIONS.iter().filter(|o| o.service == service) {
            let scopes: Vec<&str> = op.scopes.iter().map(|s| s.short()).collect();
            out.push_str(&format!(
                "| `{}` | {} | `{}` | {} | {} |\n",
                op.id,
                op.method.as_str(),
                op.path,
                scopes.join(", "),
                op.summary
            ));
        }
    }
    out
}
