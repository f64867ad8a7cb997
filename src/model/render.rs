//! Writes stored rows as OneRoster JSON, straight into an output buffer.
//!
//! The writer is driven by the catalogue: absent optional values are omitted (never `null`),
//! booleans are the strings `"true"`/`"false"`, date-times are `YYYY-MM-DDTHH:MM:SS.sssZ`,
//! and every GUIDRef gets its absolute `href` from the public base URL.

use std::borrow::Cow;

use anyhow::Context;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::catalogue::{Field, Kind, ObjectDef, Ty};
use super::datetime::write_datetime;
use super::entities;

/// Read access to one result row, by column position.
pub trait RowAccess {
    fn text(&self, i: usize) -> anyhow::Result<Option<&str>>;
    fn int(&self, i: usize) -> anyhow::Result<Option<i64>>;
    fn float(&self, i: usize) -> anyhow::Result<Option<f64>>;
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters pass through).
pub fn encode_segment(out: &mut String, segment: &str) {
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(
                char::from_digit((b >> 4) as u32, 16)
                    .unwrap_or('0')
                    .to_ascii_uppercase(),
            );
            out.push(
                char::from_digit((b & 15) as u32, 16)
                    .unwrap_or('0')
                    .to_ascii_uppercase(),
            );
        }
    }
}

/// Everything the writer needs to know about the deployment.
#[derive(Clone, Debug)]
pub struct Renderer {
    /// Per kind: `<public base URL><service base path><collection>/`.
    href_prefix: Vec<String>,
    /// The same prefixes, as they are written inside a JSON string.
    href_prefix_json: Vec<String>,
    /// Return stored passwords (off unless the operator enables it).
    pub expose_secrets: bool,
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn write_key(out: &mut Vec<u8>, first: &mut bool, key: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

impl Renderer {
    pub fn new(public_url: &str, expose_secrets: bool) -> Renderer {
        let base = public_url.trim_end_matches('/');
        let mut href_prefix = vec![String::new(); entities::ALL.len()];
        for e in entities::ALL {
            href_prefix[e.kind as usize] =
                format!("{base}{}{}/", e.service.base_path(), e.collection);
        }
        let href_prefix_json = href_prefix
            .iter()
            .map(|p| {
                let quoted = Value::from(p.as_str()).to_string();
                quoted[1..quoted.len() - 1].to_string()
            })
            .collect();
        Renderer {
            href_prefix,
            href_prefix_json,
            expose_secrets,
        }
    }

    /// The absolute URL of the object `id` of `kind`.
    pub fn href(&self, kind: Kind, id: &str) -> String {
        let mut s = self.href_prefix[kind as usize].clone();
        encode_segment(&mut s, id);
        s
    }

    /// Writes `{"href":…,"sourcedId":…,"type":…}` without building the URL separately: the
    /// prefix is stored JSON-escaped, and a percent-encoded segment needs no escaping.
    fn write_ref(&self, out: &mut Vec<u8>, kind: Kind, id: &str) {
        out.extend_from_slice(b"{\"href\":\"");
        out.extend_from_slice(self.href_prefix_json[kind as usize].as_bytes());
        for b in id.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(b);
            } else {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
        }
        out.extend_from_slice(b"\",\"sourcedId\":");
        write_str(out, id);
        out.extend_from_slice(b",\"type\":\"");
        out.extend_from_slice(entities::entity(kind).ref_type.as_bytes());
        out.extend_from_slice(b"\"}");
    }

    fn write_ref_list(&self, out: &mut Vec<u8>, kind: Kind, json: &str) -> anyhow::Result<()> {
        // Ids borrowed from the stored text where they need no unescaping.
        #[derive(serde::Deserialize)]
        struct Id<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);
        let ids: Vec<Id> = serde_json::from_str(json).context("stored reference list")?;
        out.push(b'[');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_ref(out, kind, &id.0);
        }
        out.push(b']');
        Ok(())
    }

    /// Whether a field is returned at all.
    pub fn visible(&self, field: &Field) -> bool {
        !field.secret || self.expose_secrets
    }

    /// Writes one object whose selected `fields` were read as consecutive columns of `row`.
    pub fn write_row(
        &self,
        out: &mut Vec<u8>,
        fields: &[&'static Field],
        row: &dyn RowAccess,
    ) -> anyhow::Result<()> {
        out.push(b'{');
        let mut first = true;
        for (i, field) in fields.iter().enumerate() {
            match field.ty {
                Ty::DateTime => {
                    if let Some(ms) = row.int(i)? {
                        write_key(out, &mut first, field.name);
                        out.push(b'"');
                        write_datetime(out, ms);
                        out.push(b'"');
                    }
                }
                Ty::Float => {
                    if let Some(v) = row.float(i)? {
                        write_key(out, &mut first, field.name);
                        let _ = serde_json::to_writer(&mut *out, &v);
                    }
                }
                Ty::Ref(kind) => {
                    if let Some(id) = row.text(i)? {
                        write_key(out, &mut first, field.name);
                        self.write_ref(out, kind, id);
                    }
                }
                Ty::RefList(kind) => {
                    if let Some(json) = row.text(i)? {
                        write_key(out, &mut first, field.name);
                        self.write_ref_list(out, kind, json)?;
                    }
                }
                Ty::Children(kind, _) => {
                    // Derived lists are omitted when empty (both backends agree that way).
                    if let Some(json) = row.text(i)?.filter(|j| *j != "[]") {
                        write_key(out, &mut first, field.name);
                        self.write_ref_list(out, kind, json)?;
                    }
                }
                Ty::StrList | Ty::VocabList(_) | Ty::Metadata => {
                    // Stored as canonical JSON written by this server: emitted verbatim.
                    if let Some(json) = row.text(i)? {
                        write_key(out, &mut first, field.name);
                        out.extend_from_slice(json.as_bytes());
                    }
                }
                Ty::Objects(def) => {
                    if let Some(json) = row.text(i)? {
                        write_key(out, &mut first, field.name);
                        self.write_objects(out, def, json)?;
                    }
                }
                Ty::Id
                | Ty::Status
                | Ty::Date
                | Ty::Year
                | Ty::Str
                | Ty::Uri
                | Ty::Bool
                | Ty::Vocab(_) => {
                    if let Some(s) = row.text(i)? {
                        write_key(out, &mut first, field.name);
                        write_str(out, s);
                    }
                }
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// Writes one stored object of `def`: its fields in schema order, then (for an open
    /// object) its extensions as stored. Values are copied from the stored text as they are;
    /// only references (which gain their `href`) and nested object lists are looked into.
    fn write_object(
        &self,
        out: &mut Vec<u8>,
        def: &ObjectDef,
        obj: &RawObject,
    ) -> anyhow::Result<()> {
        out.push(b'{');
        let mut first = true;
        for field in def.fields {
            if !self.visible(field) {
                continue;
            }
            if let Some((_, v)) = obj.0.iter().find(|(k, _)| k.0 == field.name) {
                write_key(out, &mut first, field.name);
                self.write_nested_value(out, &field.ty, v)?;
            }
        }
        if def.open {
            for (k, v) in &obj.0 {
                if def.field(&k.0).is_none() {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    write_str(out, &k.0);
                    out.push(b':');
                    out.extend_from_slice(v.get().as_bytes());
                }
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// Writes a stored list of objects of `def`.
    fn write_objects(&self, out: &mut Vec<u8>, def: &ObjectDef, json: &str) -> anyhow::Result<()> {
        let items: Vec<RawObject> = serde_json::from_str(json).context("stored object list")?;
        out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.write_object(out, def, item)?;
        }
        out.push(b']');
        Ok(())
    }

    fn write_nested_value(&self, out: &mut Vec<u8>, ty: &Ty, v: &RawValue) -> anyhow::Result<()> {
        let raw = v.get();
        match ty {
            Ty::Ref(kind) if raw.starts_with('"') => {
                let id: Text = serde_json::from_str(raw).context("stored reference")?;
                self.write_ref(out, *kind, &id.0);
            }
            Ty::Objects(def) if raw.starts_with('[') => self.write_objects(out, def, raw)?,
            _ => out.extend_from_slice(raw.as_bytes()),
        }
        Ok(())
    }
}

/// A JSON string, borrowed from the stored text unless it has escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A stored JSON object: its members in stored order, their values not parsed.
struct RawObject<'a>(Vec<(Text<'a>, &'a RawValue)>);

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject<'de>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(member) = map.next_entry::<Text<'de>, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(RawObject(members))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_path_segments() {
        let mut s = String::new();
        encode_segment(&mut s, "a b/é-_.~");
        assert_eq!(s, "a%20b%2F%C3%A9-_.~");
    }

    #[test]
    fn written_references_carry_the_same_href() {
        let r = Renderer::new("https://or.example.org/base\\x", false);
        for id in ["s1", "c 1/é\"x", "a%b~-_."] {
            let mut out = Vec::new();
            r.write_ref(&mut out, Kind::User, id);
            let v: Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(v["href"], r.href(Kind::User, id));
            assert_eq!(v["sourcedId"], id);
            assert_eq!(v["type"], "user");
        }
        let mut out = Vec::new();
        r.write_ref_list(&mut out, Kind::Org, r#"["o1","o\"2"]"#)
            .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[1]["sourcedId"], "o\"2");
        assert_eq!(v[1]["href"], r.href(Kind::Org, "o\"2"));
    }

    #[test]
    fn hrefs_are_absolute() {
        let r = Renderer::new("https://or.example.org/", false);
        assert_eq!(
            r.href(Kind::Org, "s1"),
            "https://or.example.org/ims/oneroster/rostering/v1p2/orgs/s1"
        );
        assert_eq!(
            r.href(Kind::Category, "c 1"),
            "https://or.example.org/ims/oneroster/gradebook/v1p2/categories/c%201"
        );
        assert_eq!(
            r.href(Kind::Resource, "r"),
            "https://or.example.org/ims/oneroster/resources/v1p2/resources/r"
        );
    }

    struct Cells(Vec<Option<String>>);
    impl RowAccess for Cells {
        fn text(&self, i: usize) -> anyhow::Result<Option<&str>> {
            Ok(self.0[i].as_deref())
        }
        fn int(&self, i: usize) -> anyhow::Result<Option<i64>> {
            Ok(self.0[i].as_deref().map(|s| s.parse().unwrap()))
        }
        fn float(&self, i: usize) -> anyhow::Result<Option<f64>> {
            Ok(self.0[i].as_deref().map(|s| s.parse().unwrap()))
        }
    }

    #[test]
    fn writes_a_user_with_nested_roles_and_hidden_passwords() {
        let r = Renderer::new("http://h", false);
        let u = &entities::USER;
        let fields: Vec<_> = [
            "sourcedId",
            "dateLastModified",
            "roles",
            "userProfiles",
            "email",
        ]
        .iter()
        .map(|n| u.field(n).unwrap())
        .collect();
        let row = Cells(vec![
            Some("u1".into()),
            Some("0".into()),
            Some(r#"[{"roleType":"primary","role":"student","org":"o1"}]"#.into()),
            Some(r#"[{"profileId":"p","profileType":"t","vendorId":"v","credentials":[{"type":"pw","username":"u","password":"secret","extra":1}]}]"#.into()),
            None,
        ]);
        let mut out = Vec::new();
        r.write_row(&mut out, &fields, &row).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "sourcedId": "u1",
                "dateLastModified": "1970-01-01T00:00:00.000Z",
                "roles": [{"roleType": "primary", "role": "student",
                           "org": {"href": "http://h/ims/oneroster/rostering/v1p2/orgs/o1",
                                   "sourcedId": "o1", "type": "org"}}],
                "userProfiles": [{"profileId": "p", "profileType": "t", "vendorId": "v",
                                  "credentials": [{"type": "pw", "username": "u", "extra": 1}]}]
            })
        );
    }
}
