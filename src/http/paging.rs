//! `X-Total-Count` and the RFC 8288 `Link` header of collection responses.

/// The `Link` header value for a page: `first`, `prev`, `next`, `last`, keeping every other
/// query parameter as the client sent it.
pub fn link_header(
    public_url: &str,
    path: &str,
    raw_query: Option<&str>,
    total: u64,
    limit: u64,
    offset: u64,
) -> String {
    let kept: Vec<&str> = raw_query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            key != "limit" && key != "offset"
        })
        .collect();
    let base = {
        let mut s = format!("{public_url}{path}?");
        for k in &kept {
            s.push_str(k);
            s.push('&');
        }
        s
    };
    let url = |off: u64| format!("<{base}limit={limit}&offset={off}>");
    let last = if total == 0 {
        0
    } else {
        (total - 1) / limit * limit
    };
    let mut links = vec![format!("{}; rel=\"first\"", url(0))];
    if offset > 0 {
        links.push(format!(
            "{}; rel=\"prev\"",
            url(offset.saturating_sub(limit))
        ));
    }
    if offset.saturating_add(limit) < total {
        links.push(format!("{}; rel=\"next\"", url(offset + limit)));
    }
    links.push(format!("{}; rel=\"last\"", url(last)));
    links.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn middle_page() {
        let h = link_header(
            "https://h",
            "/ims/oneroster/rostering/v1p2/users",
            Some("limit=100&filter=givenName%3D%27A%27&offset=200"),
            8950,
            100,
            200,
        );
        assert_eq!(
            h,
            "<https://h/ims/oneroster/rostering/v1p2/users?filter=givenName%3D%27A%27&limit=100&offset=0>; rel=\"first\", \
             <https://h/ims/oneroster/rostering/v1p2/users?filter=givenName%3D%27A%27&limit=100&offset=100>; rel=\"prev\", \
             <https://h/ims/oneroster/rostering/v1p2/users?filter=givenName%3D%27A%27&limit=100&offset=300>; rel=\"next\", \
             <https://h/ims/oneroster/rostering/v1p2/users?filter=givenName%3D%27A%27&limit=100&offset=8900>; rel=\"last\""
        );
    }

    #[test]
    fn first_and_last_pages() {
        let h = link_header("http://h", "/x", None, 5, 10, 0);
        assert_eq!(
            h,
            "<http://h/x?limit=10&offset=0>; rel=\"first\", <http://h/x?limit=10&offset=0>; rel=\"last\""
        );
        let h = link_header("http://h", "/x", None, 0, 10, 0);
        assert!(!h.contains("next") && !h.contains("prev"));
        let h = link_header("http://h", "/x", None, 30, 10, 25);
        assert!(h.contains("offset=15>; rel=\"prev\""));
        assert!(!h.contains("rel=\"next\""));
    }
}
