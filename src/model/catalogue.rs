//! The vocabulary used to declare OneRoster entities.
//!
//! Every OneRoster 1.2 object kind is described once, as data: its wire fields, their types,
//! which are required, and where each one is stored. The JSON writer, the request validator,
//! the filter/sort catalogue, the SQL generator, the CSV binding and the OpenAPI generator all
//! read these declarations; none of them knows about a particular entity.

/// The three OneRoster 1.2 REST services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    Rostering,
    Gradebook,
    Resources,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Rostering, Service::Gradebook, Service::Resources];

    /// The mandatory base path of the service (fixed by the official `servers` enum).
    pub const fn base_path(self) -> &'static str {
        match self {
            Service::Rostering => "/ims/oneroster/rostering/v1p2",
            Service::Gradebook => "/ims/oneroster/gradebook/v1p2",
            Service::Resources => "/ims/oneroster/resources/v1p2",
        }
    }

    /// Short name used in file names and logs.
    pub const fn name(self) -> &'static str {
        match self {
            Service::Rostering => "rostering",
            Service::Gradebook => "gradebook",
            Service::Resources => "resources",
        }
    }
}

/// Every kind of stored OneRoster object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Org,
    AcademicSession,
    Course,
    Class,
    User,
    Enrollment,
    Demographics,
    Category,
    ScoreScale,
    LineItem,
    Result,
    AssessmentLineItem,
    AssessmentResult,
    Resource,
}

/// An enumerated vocabulary.
#[derive(Debug)]
pub struct Vocab {
    pub values: &'static [&'static str],
    pub ext: Extensible,
}

/// How a vocabulary may be extended beyond its listed values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extensible {
    /// Only the listed values.
    Closed,
    /// Listed values or `ext:` followed by `[A-Za-z0-9._-]+`.
    ExtPrefix,
    /// Learning objective `source`: listed values or the official pattern
    /// `^/(?!case$)(?!unknown$)[a-z0-9]+$`; plain lower-case tokens are tolerated too.
    LearningObjectiveSource,
}

impl Vocab {
    /// Whether `value` belongs to the vocabulary.
    pub fn accepts(&self, value: &str) -> bool {
        if self.values.contains(&value) {
            return true;
        }
        match self.ext {
            Extensible::Closed => false,
            Extensible::ExtPrefix => value.strip_prefix("ext:").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            }),
            Extensible::LearningObjectiveSource => {
                let token = value.strip_prefix('/').unwrap_or(value);
                !token.is_empty()
                    && token != "case"
                    && token != "unknown"
                    && token
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            }
        }
    }

    /// The form in which an accepted `value` is stored: a learning objective source given as
    /// a bare token gains the leading `/` of the official pattern, so that every stored value
    /// is one the official schema accepts. Other values are stored as given.
    pub fn canonical<'v>(&self, value: &'v str) -> std::borrow::Cow<'v, str> {
        if self.ext == Extensible::LearningObjectiveSource
            && !value.starts_with('/')
            && !self.values.contains(&value)
        {
            std::borrow::Cow::Owned(format!("/{value}"))
        } else {
            std::borrow::Cow::Borrowed(value)
        }
    }

    /// A readable description of the accepted values, for error messages.
    pub fn describe(&self) -> String {
        let mut s = self.values.join(", ");
        match self.ext {
            Extensible::Closed => {}
            Extensible::ExtPrefix => s.push_str(" or ext:<name>"),
            Extensible::LearningObjectiveSource => {
                s.push_str(" or a lower-case source token (stored as /token)")
            }
        }
        s
    }
}

/// The type of a field, which fixes its JSON shape and its storage.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// `sourcedId`: text primary key.
    Id,
    /// `status`: `active` or `tobedeleted`.
    Status,
    /// An ISO 8601 UTC date-time, stored as milliseconds since the epoch.
    DateTime,
    /// A `YYYY-MM-DD` date, stored as text.
    Date,
    /// A `YYYY` year, stored as text.
    Year,
    /// Free text.
    Str,
    /// Text holding a URI (not validated beyond being text).
    Uri,
    /// A JSON number, stored as a double.
    Float,
    /// A boolean carried as the strings `"true"`/`"false"`.
    Bool,
    /// A value from a vocabulary.
    Vocab(&'static Vocab),
    /// A GUIDRef to one object, stored as the target's sourcedId.
    Ref(Kind),
    /// An array of GUIDRefs, stored as a JSON array of sourcedIds.
    RefList(Kind),
    /// An array of GUIDRefs derived from the objects whose `column` points at this one
    /// (for example an org's `children`). Never stored, never written.
    Children(Kind, &'static str),
    /// An array of strings, stored as a JSON array.
    StrList,
    /// An array of vocabulary values, stored as a JSON array.
    VocabList(&'static Vocab),
    /// An array of structured objects, stored as a JSON array in wire shape, except that
    /// GUIDRefs inside are stored as their sourcedId only.
    Objects(&'static ObjectDef),
    /// The open `metadata` extension object, stored as JSON text exactly as received.
    Metadata,
}

impl Ty {
    /// Stored as JSON text (arrays, nested objects, metadata).
    pub fn is_json(self) -> bool {
        matches!(
            self,
            Ty::RefList(_) | Ty::StrList | Ty::VocabList(_) | Ty::Objects(_) | Ty::Metadata
        )
    }
}

/// A structured value nested inside an entity (for example a user's `RoleDType`).
#[derive(Debug)]
pub struct ObjectDef {
    /// The official schema name, e.g. `RoleDType`.
    pub schema: &'static str,
    pub fields: &'static [Field],
    /// Whether properties beyond `fields` are allowed and kept (`additionalProperties: true`).
    pub open: bool,
}

impl ObjectDef {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One property of an entity or of a nested object.
#[derive(Debug)]
pub struct Field {
    /// The wire (JSON) name.
    pub name: &'static str,
    /// The SQL column; empty for nested-object fields and derived fields.
    pub column: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// Secrets (passwords) are kept but only returned when the operator enables it.
    pub secret: bool,
    /// Array minimum size from the official schema (only meaningful for arrays).
    pub min_items: u8,
    /// For a reference to users: the role the user must hold (in any org), as the
    /// collection of that role (`students`) counts its members.
    pub role: Option<&'static str>,
    /// For text carried inside the CSV binding's `{LHS:RHS}` cells: it may not be blank nor
    /// hold these characters, or an export could not be imported again.
    pub pair_part: bool,
}

impl Field {
    pub const fn new(name: &'static str, column: &'static str, ty: Ty) -> Field {
        Field {
            name,
            column,
            ty,
            required: false,
            secret: false,
            min_items: 0,
            role: None,
            pair_part: false,
        }
    }

    /// Text that the CSV binding carries as one side of `{LHS:RHS}` ([`Field::pair_part`]).
    pub const fn pair_part(mut self) -> Field {
        self.pair_part = true;
        self
    }

    /// A reference to a user who must hold `role` in some org.
    pub const fn holding(mut self, role: &'static str) -> Field {
        self.role = Some(role);
        self
    }

    /// A field of a nested object (no column of its own).
    pub const fn nested(name: &'static str, ty: Ty) -> Field {
        Field::new(name, "", ty)
    }

    pub const fn req(mut self) -> Field {
        self.required = true;
        self
    }

    pub const fn secret(mut self) -> Field {
        self.secret = true;
        self
    }

    pub const fn min(mut self, n: u8) -> Field {
        self.min_items = n;
        self
    }

    /// Whether values of this field are stored in a column of the entity's table.
    pub fn is_stored(&self) -> bool {
        !self.column.is_empty() && !matches!(self.ty, Ty::Children(..))
    }
}

/// One stored OneRoster object kind.
#[derive(Debug)]
pub struct Entity {
    pub kind: Kind,
    /// The official schema name, e.g. `OrgDType`.
    pub schema: &'static str,
    pub table: &'static str,
    /// Envelope key for one object (`org`).
    pub singular: &'static str,
    /// Envelope key for a collection (`orgs`).
    pub plural: &'static str,
    /// The service whose single-object endpoint is the `href` of references to this kind.
    pub service: Service,
    /// The collection path under that service (`/orgs`).
    pub collection: &'static str,
    /// The `type` of a GUIDRef to this kind.
    pub ref_type: &'static str,
    /// The official schema of a GUIDRef to this kind.
    pub ref_schema: &'static str,
    /// Display name of the tag grouping its operations.
    pub tag: &'static str,
    pub fields: &'static [Field],
}

impl Entity {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Fields stored in the entity's own table, in declaration order.
    pub fn stored_fields(&self) -> impl Iterator<Item = &'static Field> {
        self.fields.iter().filter(|f| f.is_stored())
    }
}
