package inbox

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Where a JSON document that does not decode is wrong. encoding/json names a wrong-typed field by
// its struct path alone ("conversations.status", not which conversation) and passes a
// json.Unmarshaler's error on with no field at all ("Time.UnmarshalJSON: input is not a JSON
// string"). On that path only, the document is walked again, value by value, down to the
// smallest value that does not decode, so the error names it with its place in every list
// ("conversations[1].timeline[0].at"). The walk decodes each level again, a few passes over
// the document: it costs nothing when the document is good.

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
)

// decodeStrict decodes raw into a new value of type t as the document is decoded: unknown
// fields refused, one value and nothing after it.
func decodeStrict(raw []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(reflect.New(t).Interface()); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more after the value")
	}
	return nil
}

// blameJSON returns the path of the smallest value of raw (a value of type t at path) that does
// not decode, and what is wrong with it: a phrase that follows the path ("should be text (a
// string), not a number", "has no field \"foo\""). ok is false when raw decodes.
func blameJSON(raw []byte, t reflect.Type, path string) (where, what string, ok bool) {
	err := decodeStrict(raw, t)
	if err == nil {
		return "", "", false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	first := firstByte(raw)
	custom := reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler)
	switch {
	case custom:
	case t.Kind() == reflect.Struct && first == '{':
		fields := jsonFields(t)
		var bad []string
		for _, kv := range objectMembers(raw) {
			ft, known := fieldNamed(fields, kv.key)
			if !known {
				bad = append(bad, kv.key)
				continue
			}
			if w, m, ok := blameJSON(kv.raw, ft, joinPath(path, kv.key)); ok {
				return w, m, true
			}
		}
		if len(bad) > 0 {
			where := path
			if where == "" {
				where = "the document"
			}
			return where, fmt.Sprintf("has no field %q (its fields: %s)", bad[0], strings.Join(fieldList(fields), ", ")), true
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() != reflect.Uint8 && first == '[':
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) == nil {
			for i, e := range elems {
				if w, m, ok := blameJSON(e, t.Elem(), path+"["+strconv.Itoa(i)+"]"); ok {
					return w, m, true
				}
			}
		}
	case t.Kind() == reflect.Map && first == '{':
		for _, kv := range objectMembers(raw) {
			if w, m, ok := blameJSON(kv.raw, t.Elem(), joinPath(path, kv.key)); ok {
				return w, m, true
			}
		}
	}
	return pathOr(path), describeValueError(err, t), true
}

func pathOr(path string) string {
	if path == "" {
		return "the document"
	}
	return "field " + path
}

func joinPath(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]" // a map's key as the document has it, quoted
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// plainKey: a key that reads as a field name (letters, digits, '_', '-').
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func firstByte(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

type member struct {
	key string
	raw json.RawMessage
}

// objectMembers returns an object's members in the order they are written (none if raw is not
// an object that reads).
func objectMembers(raw []byte) []member {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey {
			return out
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		out = append(out, member{key, v})
	}
	return out
}

// jsonFields are the fields encoding/json decodes into a struct of type t, by their JSON name
// (the fields of an embedded struct as its own).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, shadowed := out[k]; !shadowed {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// fieldNamed finds a JSON key's field as encoding/json does: the exact name, else one that
// differs only in case.
func fieldNamed(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	if t, ok := fields[key]; ok {
		return t, true
	}
	for name, t := range fields {
		if strings.EqualFold(name, key) {
			return t, true
		}
	}
	return nil, false
}

func fieldList(fields map[string]reflect.Type) []string {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// describeValueError says what is wrong with one value of type t that did not decode.
func describeValueError(err error, t reflect.Type) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("should be %s, not %s", JSONKind(te.Type), jsonValueWord(te.Value))
	}
	if t == timeType {
		return `should be a time as text, like "2026-11-24T10:00:00Z" (RFC 3339)`
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// describeDocumentError says where and how a document that does not decode as a T is wrong.
func describeDocumentError[T any](data []byte, err error) string {
	var se *json.SyntaxError
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "the document is empty; give one JSON object (switchboard export writes one)"
	case errors.As(err, &se):
		line, col := lineColumn(data, se.Offset)
		return fmt.Sprintf("syntax error at line %d, column %d: %v", line, col, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the document ends before its last value is closed: it was cut short"
	}
	if where, what, ok := blameJSON(data, reflect.TypeFor[T](), ""); ok {
		return where + " " + what
	}
	return err.Error()
}

// lineColumn returns the line and column (both from 1, the column in bytes) of the byte before
// offset, where encoding/json stopped.
func lineColumn(data []byte, offset int64) (line, col int) {
	end := min(max(offset-1, 0), int64(len(data)))
	before := data[:end]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}
