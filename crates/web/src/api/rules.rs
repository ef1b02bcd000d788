//! Input rules read from the API document itself. Path, query and body values are checked
//! against the schemas the document publishes before a handler sees them, so a limit the document
//! states is a limit the server enforces, and a refusal names the parameter or field and the rule
//! in Simplified Chinese.
//!
//! The schemas are read as JSON (their published form): types, `enum`, `minimum`/`maximum`,
//! `minLength`/`maxLength`, integer formats, `required` and nested objects. Patterns are left to
//! the domain parsers behind the handlers, which give a more specific message.

use serde_json::{Map, Value};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

/// Where a schema's `$ref`s point: the named schemas it depends on.
#[derive(Default)]
pub(crate) struct Rules {
    components: Map<String, Value>,
}

/// A failed check: the parameter or field (dotted for nested fields, empty for the whole body)
/// and the message.
pub(crate) type Violation = (String, String);

const REF_PREFIX: &str = "#/components/schemas/";

impl Rules {
    /// Rules that can resolve references to `components`.
    pub(crate) fn new(components: Vec<(String, RefOr<Schema>)>) -> Self {
        let components = components
            .into_iter()
            .filter_map(|(name, schema)| serde_json::to_value(schema).ok().map(|v| (name, v)))
            .collect();
        Rules { components }
    }

    /// Follows a `$ref` to the schema it names (an unknown name reads as "anything").
    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        static ANY: Value = Value::Bool(true);
        let mut at = schema;
        // A bounded walk: a chain of references cannot loop forever.
        for _ in 0..8 {
            match at.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    at = r
                        .strip_prefix(REF_PREFIX)
                        .and_then(|name| self.components.get(name))
                        .unwrap_or(&ANY);
                }
                None => return at,
            }
        }
        &ANY
    }

    /// The alternatives of a `oneOf`/`anyOf`, if the schema is one.
    fn alternatives<'a>(&'a self, schema: &'a Value) -> Option<&'a Vec<Value>> {
        let s = self.resolve(schema);
        s.get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
    }

    /// The schema's JSON types (`type` as a string or a list).
    fn types(schema: &Value) -> Vec<&str> {
        match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// What the schema expects, in words: "正整数", "以下之一：pending、decided", "不超过 200 个字符的文本";
    /// a leading number or Latin word is set off by a space, to follow "应为".
    pub(crate) fn describe(&self, schema: &Value) -> String {
        let words = self.words(schema);
        if words.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            format!(" {words}")
        } else {
            words
        }
    }

    fn words(&self, schema: &Value) -> String {
        if let Some(alts) = self.alternatives(schema) {
            let words: Vec<String> = alts
                .iter()
                .filter(|a| Self::types(self.resolve(a)) != ["null"])
                .map(|a| self.words(a))
                .collect();
            return words.join("或");
        }
        let s = self.resolve(schema);
        if let Some(first) = s
            .get("allOf")
            .and_then(Value::as_array)
            .and_then(|all| all.first())
        {
            return self.words(first);
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let shown: Vec<String> = values
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                })
                .collect();
            return format!("以下之一：{}", shown.join("、"));
        }
        let types = Self::types(s);
        let main = types.iter().find(|t| **t != "null").copied().unwrap_or("");
        match main {
            "integer" => describe_integer(s),
            "number" => "数字".to_owned(),
            "boolean" => "true 或 false".to_owned(),
            "object" => "JSON 对象".to_owned(),
            "array" => "数组".to_owned(),
            "string" => describe_string(s),
            _ => "有效的值".to_owned(),
        }
    }

    /// Checks `value` against `schema`, recording each violation under `at`. Integral numbers
    /// written with a fraction (`1.0`, which JSON Schema counts as an integer) are rewritten as
    /// integers so that deserialising them afterwards agrees with the check.
    pub(crate) fn check(
        &self,
        schema: &Value,
        value: &mut Value,
        at: &str,
        shown: &dyn Fn(&Value) -> String,
        out: &mut Vec<Violation>,
    ) {
        let before = out.len();
        if !self.admits(schema, value, at, shown, out) && out.len() == before {
            out.push((
                at.to_owned(),
                format!("应为{}，收到{}", self.describe(schema), shown(value)),
            ));
        }
    }

    /// Whether `value` satisfies `schema`; violations inside objects are recorded in `out` (with
    /// their own paths), a violation of the value itself only returns `false`.
    fn admits(
        &self,
        schema: &Value,
        value: &mut Value,
        at: &str,
        shown: &dyn Fn(&Value) -> String,
        out: &mut Vec<Violation>,
    ) -> bool {
        if let Some(alts) = self.alternatives(schema) {
            // Admitted when one alternative admits it, without recording the others' complaints.
            return alts.iter().any(|a| {
                let mut trial = value.clone();
                let mut scratch = Vec::new();
                let ok = self.admits(a, &mut trial, at, shown, &mut scratch) && scratch.is_empty();
                if ok {
                    *value = trial;
                }
                ok
            });
        }
        let s = self.resolve(schema);
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            return all.iter().all(|a| self.admits(a, value, at, shown, out));
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            return false;
        }
        let types = Self::types(s);
        if types.is_empty() {
            return true;
        }
        if value.is_null() {
            return types.contains(&"null");
        }
        if types.contains(&"integer")
            && let Some(n) = integral(value)
        {
            *value = n;
            return integer_in_bounds(s, value);
        }
        if types.contains(&"number") && value.is_number() {
            return number_in_bounds(s, value);
        }
        match value {
            Value::String(text) if types.contains(&"string") => string_in_bounds(s, text),
            Value::Bool(_) => types.contains(&"boolean"),
            Value::Array(items) if types.contains(&"array") => {
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter_mut().enumerate() {
                        self.check(item_schema, item, &format!("{at}[{i}]"), shown, out);
                    }
                }
                true
            }
            Value::Object(fields) if types.contains(&"object") => {
                self.check_fields(s, fields, at, shown, out);
                true
            }
            _ => false,
        }
    }

    fn check_fields(
        &self,
        s: &Value,
        fields: &mut Map<String, Value>,
        at: &str,
        shown: &dyn Fn(&Value) -> String,
        out: &mut Vec<Violation>,
    ) {
        let empty = Map::new();
        let properties = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let join = |name: &str| {
            if at.is_empty() {
                name.to_owned()
            } else {
                format!("{at}.{name}")
            }
        };
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    let expected = properties
                        .get(name)
                        .map(|p| self.describe(p))
                        .unwrap_or_else(|| "有效的值".to_owned());
                    out.push((join(name), format!("不能省略，应为{expected}")));
                }
            }
        }
        for (name, property) in properties {
            if let Some(v) = fields.get_mut(name) {
                self.check(property, v, &join(name), shown, out);
            }
        }
    }

    /// The schema of the field at a dotted path inside `schema` (`stage`, `diploma.level`).
    pub(crate) fn field<'a>(&'a self, schema: &'a Value, path: &str) -> Option<&'a Value> {
        let mut at = schema;
        for part in path.split('.').filter(|p| !p.is_empty()) {
            let s = self.resolve(at);
            let inner = match self.alternatives(s) {
                Some(alts) => alts
                    .iter()
                    .map(|a| self.resolve(a))
                    .find(|a| a.get("properties").is_some())?,
                None => s,
            };
            at = inner.get("properties")?.get(part)?;
        }
        Some(at)
    }

    /// A query or path value, typed as its schema reads it: digits become a number for an
    /// integer schema, `true`/`false` a boolean; anything else stays text (and fails the check if
    /// text is not what the schema wants).
    pub(crate) fn typed(&self, schema: &Value, raw: &str) -> Value {
        let s = match self.alternatives(schema) {
            Some(alts) => alts
                .iter()
                .map(|a| self.resolve(a))
                .find(|a| Self::types(a) != ["null"])
                .unwrap_or(&Value::Null),
            None => self.resolve(schema),
        };
        let types = Self::types(s);
        if types.contains(&"integer") || types.contains(&"number") {
            if let Ok(n) = raw.parse::<i64>() {
                return Value::from(n);
            }
            if let Ok(n) = raw.parse::<u64>() {
                return Value::from(n);
            }
            if types.contains(&"number")
                && let Some(n) = raw
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
            {
                return Value::Number(n);
            }
        }
        if types.contains(&"boolean") && (raw == "true" || raw == "false") {
            return Value::Bool(raw == "true");
        }
        Value::String(raw.to_owned())
    }
}

/// An integer value, if `value` is one (`3` or `3.0`, within 64 bits).
fn integral(value: &Value) -> Option<Value> {
    let n = value.as_number()?;
    if n.is_i64() || n.is_u64() {
        return Some(value.clone());
    }
    let f = n.as_f64()?;
    // Beyond ±2^63 a float no longer names one integer exactly, and no 64-bit field holds it.
    let limit = 9_223_372_036_854_775_808.0_f64;
    if f.fract() == 0.0 && f > -limit && f < limit {
        // In range and integral, so the conversion is exact.
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::from(f as i64));
    }
    None
}

fn bound(s: &Value, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

/// The range an integer format allows, if it names one.
fn format_range(s: &Value) -> Option<(i128, i128)> {
    match s.get("format").and_then(Value::as_str)? {
        "int32" => Some((i128::from(i32::MIN), i128::from(i32::MAX))),
        "uint32" => Some((0, i128::from(u32::MAX))),
        "int64" => Some((i128::from(i64::MIN), i128::from(i64::MAX))),
        "uint64" => Some((0, i128::from(u64::MAX))),
        _ => None,
    }
}

fn as_i128(value: &Value) -> Option<i128> {
    value
        .as_i64()
        .map(i128::from)
        .or_else(|| value.as_u64().map(i128::from))
}

fn integer_in_bounds(s: &Value, value: &Value) -> bool {
    let Some(n) = as_i128(value) else {
        return false;
    };
    if let Some((lo, hi)) = format_range(s)
        && (n < lo || n > hi)
    {
        return false;
    }
    // Bounds are whole numbers in our schemas; compared exactly where they are.
    let min = s.get("minimum").and_then(as_i128);
    let max = s.get("maximum").and_then(as_i128);
    min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
}

fn number_in_bounds(s: &Value, value: &Value) -> bool {
    let Some(n) = value.as_f64() else {
        return false;
    };
    bound(s, "minimum").is_none_or(|m| n >= m) && bound(s, "maximum").is_none_or(|m| n <= m)
}

fn string_in_bounds(s: &Value, text: &str) -> bool {
    // JSON Schema counts characters (code points), as `chars()` does.
    let n = text.chars().count();
    let min = s.get("minLength").and_then(Value::as_u64);
    let max = s.get("maxLength").and_then(Value::as_u64);
    let n = n as u64;
    min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
}

fn describe_integer(s: &Value) -> String {
    let (flo, fhi) = format_range(s).unwrap_or((i128::MIN, i128::MAX));
    let min = s.get("minimum").and_then(as_i128).unwrap_or(flo).max(flo);
    let max = s.get("maximum").and_then(as_i128).unwrap_or(fhi).min(fhi);
    // The end of a 64-bit range is no limit a person needs to read.
    let unbounded_above = max >= i128::from(i64::MAX);
    let unbounded_below = min <= i128::from(i64::MIN);
    match (unbounded_below, unbounded_above) {
        (false, true) if min == 1 => "正整数".to_owned(),
        (false, true) if min == 0 => "非负整数".to_owned(),
        (false, true) => format!("不小于 {min} 的整数"),
        (true, false) => format!("不大于 {max} 的整数"),
        (false, false) => format!("{min} 到 {max} 之间的整数"),
        (true, true) => "整数".to_owned(),
    }
}

fn describe_string(s: &Value) -> String {
    match s.get("format").and_then(Value::as_str) {
        Some("date") => return "日期（如 2024-06-30）".to_owned(),
        Some("date-time") => {
            return "带时区的时间（RFC 3339，如 2024-06-30T08:00:00+08:00）".to_owned();
        }
        _ => {}
    }
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    let max = s.get("maxLength").and_then(Value::as_u64);
    match max {
        Some(max) if max == min => format!("{max} 个字符的文本"),
        Some(max) if min > 0 => format!("{min} 到 {max} 个字符的文本"),
        Some(max) => format!("不超过 {max} 个字符的文本"),
        None if min > 0 => format!("至少 {min} 个字符的文本"),
        None => "文本".to_owned(),
    }
}

/// A JSON value as a message shows it: compact, cut after 40 characters.
pub(crate) fn shown_json(value: &Value) -> String {
    let text = value.to_string();
    let mut cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!(" {cut}")
}

/// A raw query or path value as a message shows it, in quotation marks.
pub(crate) fn shown_raw(value: &Value) -> String {
    let text = match value {
        Value::String(t) => t.clone(),
        other => other.to_string(),
    };
    let mut cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("“{cut}”")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn violations(schema: Value, mut value: Value) -> Vec<Violation> {
        let mut out = Vec::new();
        Rules::default().check(&schema, &mut value, "", &shown_json, &mut out);
        out
    }

    #[test]
    fn integers_are_checked_against_bounds_and_format() {
        let page = json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": 1000000});
        assert!(violations(page.clone(), json!(1)).is_empty());
        assert!(
            violations(page.clone(), json!(3.0)).is_empty(),
            "3.0 is an integer"
        );
        let out = violations(page.clone(), json!(0));
        assert_eq!(out[0].1, "应为 1 到 1000000 之间的整数，收到 0");
        assert_eq!(violations(page.clone(), json!(1.5)).len(), 1);
        assert_eq!(violations(page, json!("2")).len(), 1);
        let id = json!({"type": "integer", "format": "int64", "minimum": 1});
        assert_eq!(
            violations(id.clone(), json!(-3))[0].1,
            "应为正整数，收到 -3"
        );
        assert_eq!(violations(id, json!(1e30)).len(), 1, "beyond 64 bits");
        let count = json!({"type": "integer", "format": "int32", "minimum": 0});
        assert_eq!(violations(count, json!(1u64 << 40)).len(), 1);
    }

    #[test]
    fn strings_enums_and_nullable_fields() {
        let reason = json!({"type": ["string", "null"], "maxLength": 3});
        assert!(violations(reason.clone(), json!(null)).is_empty());
        assert!(
            violations(reason.clone(), json!("一二三")).is_empty(),
            "characters, not bytes"
        );
        assert_eq!(
            violations(reason, json!("一二三四"))[0].1,
            "应为不超过 3 个字符的文本，收到 \"一二三四\""
        );
        let status = json!({"type": "string", "enum": ["pending", "decided"]});
        assert_eq!(
            violations(status, json!("x"))[0].1,
            "应为以下之一：pending、decided，收到 \"x\""
        );
    }

    #[test]
    fn objects_name_each_field_and_each_missing_one() {
        let body = json!({
            "type": "object",
            "required": ["stage", "decision"],
            "properties": {
                "stage": {"type": "integer", "minimum": 0},
                "decision": {"type": "string", "enum": ["approve", "reject"]},
                "seal_confirmed": {"type": "boolean"},
                "diploma": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["level"],
                    "properties": {"level": {"type": "string", "enum": ["associate"]}}}]}
            }
        });
        let out = violations(
            body.clone(),
            json!({"stage": -1, "seal_confirmed": "yes", "diploma": null}),
        );
        let mut fields: Vec<&str> = out.iter().map(|(f, _)| f.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["decision", "seal_confirmed", "stage"], "{out:?}");
        assert!(out.contains(&(
            "decision".to_owned(),
            "不能省略，应为以下之一：approve、reject".to_owned()
        )));
        assert!(violations(body.clone(), json!({"stage": 0, "decision": "approve"})).is_empty());
        assert_eq!(violations(body.clone(), json!([1]))[0].0, "");
        let rules = Rules::default();
        assert_eq!(
            rules.field(&body, "diploma.level"),
            Some(&json!({"type": "string", "enum": ["associate"]}))
        );
    }

    #[test]
    fn raw_values_are_typed_by_their_schema() {
        let rules = Rules::default();
        let int = json!({"type": ["integer", "null"], "minimum": 1});
        assert_eq!(rules.typed(&int, "12"), json!(12));
        assert_eq!(rules.typed(&int, "null,null"), json!("null,null"));
        let mut v = rules.typed(&int, "null,null");
        let mut out = Vec::new();
        rules.check(&int, &mut v, "id", &shown_raw, &mut out);
        assert_eq!(
            out,
            [("id".to_owned(), "应为正整数，收到“null,null”".to_owned())]
        );
        assert_eq!(rules.typed(&json!({"type": "string"}), "12"), json!("12"));
    }
}
