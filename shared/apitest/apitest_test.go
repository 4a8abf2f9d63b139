package apitest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing, so the
// tests can assert that the helper reports a mismatch. Anything else it does
// not override (Cleanup, Name, ...) goes to the real test.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, "FATAL "+fmt.Sprintf(format, args...))
}

// spec is a small OpenAPI 3.1 document shaped like the real API: bearer
// security, a shared error schema, 4XX and default responses, nullable fields
// written as type arrays.
const spec = `{
  "openapi": "3.1.0",
  "info": {"title": "apitest", "version": "1"},
  "servers": [{"url": "https://api.example.com"}],
  "security": [{"bearer": []}],
  "paths": {
    "/v1/health": {
      "get": {
        "security": [],
        "responses": {
          "200": {"description": "up", "content": {"application/json": {"schema": {
            "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}}
        }
      }
    },
    "/v1/items": {
      "post": {
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["name"], "additionalProperties": false,
          "properties": {"name": {"type": "string", "minLength": 1}}}}}},
        "responses": {
          "201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
          "4XX": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/items/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^it_[a-z0-9]+$"}}],
      "get": {
        "responses": {
          "200": {"description": "the item", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
          "default": {"$ref": "#/components/responses/Error"}
        }
      },
      "delete": {
        "responses": {"202": {"description": "deletion queued"}, "204": {"description": "deleted"}}
      }
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Item": {
        "type": "object", "required": ["id", "name", "note", "createdAt"], "additionalProperties": false,
        "properties": {
          "id": {"type": "string"},
          "name": {"type": "string"},
          "note": {"type": ["string", "null"]},
          "createdAt": {"type": "string", "format": "date-time"}
        }
      },
      "Error": {
        "type": "object", "required": ["error"], "additionalProperties": false,
        "properties": {"error": {
          "type": "object", "required": ["code", "message"],
          "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}
      }
    },
    "responses": {
      "Error": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  }
}`

const (
	item    = `{"id":"it_1","name":"pen","note":null,"createdAt":"2024-05-24T14:03:46Z"}`
	errBody = `{"error":{"code":"not_found","message":"no such item"}}`
)

// reply answers every request with status, Content-Type ct and body.
func reply(status int, ct, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

func TestClient(t *testing.T) {
	const jsonCT = "application/json; charset=utf-8"
	tests := []struct {
		name    string
		handler http.Handler
		call    func(c *Client) *Response
		want    string // substring of the reported failure; "" means none
	}{
		{
			name:    "conforming response",
			handler: reply(200, jsonCT, `{"status":"ok"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/health", nil) },
		},
		{
			name:    "conforming create with a null field, a struct body and a bearer header",
			handler: reply(201, jsonCT, item),
			call: func(c *Client) *Response {
				return c.Do("POST", "/v1/items", struct {
					Name string `json:"name"`
				}{"pen"}, "Authorization", "Bearer k")
			},
		},
		{
			name:    "missing credentials do not block validation",
			handler: reply(200, jsonCT, item),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_1", nil) },
		},
		{
			name:    "status documented only as default",
			handler: reply(404, jsonCT, errBody),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_2", nil) },
		},
		{
			name:    "status documented only as 4XX, invalid request sent with DoRaw",
			handler: reply(400, jsonCT, `{"error":{"code":"bad_request","message":"name is empty"}}`),
			call:    func(c *Client) *Response { return c.DoRaw("POST", "/v1/items", `{"name":""}`) },
		},
		{
			name:    "no content",
			handler: reply(204, "", ""),
			call:    func(c *Client) *Response { return c.Do("DELETE", "/v1/items/it_1", nil) },
		},
		{
			name:    "wrong field type",
			handler: reply(200, jsonCT, `{"id":42,"name":"pen","note":null,"createdAt":"2024-05-24T14:03:46Z"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_1", nil) },
			want:    "response 200 does not match",
		},
		{
			name:    "wrong type for a nullable field",
			handler: reply(200, jsonCT, `{"id":"it_1","name":"pen","note":7,"createdAt":"2024-05-24T14:03:46Z"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_1", nil) },
			want:    "want null or string",
		},
		{
			name:    "undocumented field",
			handler: reply(200, jsonCT, `{"id":"it_1","name":"pen","note":null,"createdAt":"2024-05-24T14:03:46Z","extra":1}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_1", nil) },
			want:    "additional properties 'extra' not allowed",
		},
		{
			name:    "bad date-time",
			handler: reply(200, jsonCT, `{"id":"it_1","name":"pen","note":null,"createdAt":"yesterday"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_1", nil) },
			want:    "not valid date-time",
		},
		{
			name:    "const violated",
			handler: reply(200, jsonCT, `{"status":"down"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/health", nil) },
			want:    "value must be 'ok'",
		},
		{
			name:    "undocumented status",
			handler: reply(500, jsonCT, errBody),
			call:    func(c *Client) *Response { return c.Do("DELETE", "/v1/items/it_1", nil) },
			want:    "status is not supported",
		},
		{
			name:    "undocumented path",
			handler: reply(200, jsonCT, `{}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/nope", nil) },
			want:    "not in the OpenAPI document",
		},
		{
			name:    "undocumented method",
			handler: reply(200, jsonCT, `{"status":"ok"}`),
			call:    func(c *Client) *Response { return c.Do("PUT", "/v1/health", nil) },
			want:    "not in the OpenAPI document",
		},
		{
			name:    "wrong content type",
			handler: reply(200, "text/plain", `{"status":"ok"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/health", nil) },
			want:    "response header Content-Type has unexpected value",
		},
		{
			name:    "body on a response documented without content",
			handler: reply(202, jsonCT, `{}`),
			call:    func(c *Client) *Response { return c.Do("DELETE", "/v1/items/it_1", nil) },
			want:    "gives this response no body",
		},
		{
			name:    "error response not matching the error schema",
			handler: reply(400, jsonCT, `{"message":"bad"}`),
			call:    func(c *Client) *Response { return c.DoRaw("POST", "/v1/items", `{}`) },
			want:    "response 400 does not match",
		},
		{
			name:    "error response documented as default not matching",
			handler: reply(404, jsonCT, `{"error":"not found"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/it_9", nil) },
			want:    "response 404 does not match",
		},
		{
			name:    "invalid request body sent with Do",
			handler: reply(400, jsonCT, `{"error":{"code":"bad_request","message":"name is empty"}}`),
			call:    func(c *Client) *Response { return c.Do("POST", "/v1/items", map[string]string{"name": ""}) },
			want:    "request does not match",
		},
		{
			name:    "invalid path parameter sent with Do",
			handler: reply(404, jsonCT, errBody),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/items/BAD", nil) },
			want:    `parameter "id" in path`,
		},
		{
			name:    "invalid path parameter sent with DoRaw",
			handler: reply(404, jsonCT, errBody),
			call:    func(c *Client) *Response { return c.DoRaw("GET", "/v1/items/BAD", nil) },
		},
		{
			name:    "request body on an operation that takes none",
			handler: reply(204, "", ""),
			call:    func(c *Client) *Response { return c.Do("DELETE", "/v1/items/it_1", map[string]int{"x": 1}) },
			want:    "request body not allowed",
		},
		{
			name:    "odd header list",
			handler: reply(200, jsonCT, `{"status":"ok"}`),
			call:    func(c *Client) *Response { return c.Do("GET", "/v1/health", nil, "X-Only-Key") },
			want:    "FATAL apitest: GET /v1/health: headers must be key, value pairs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			resp := tt.call(New(rec, []byte(spec), tt.handler))
			if tt.want == "" {
				if len(rec.failures) != 0 {
					t.Fatalf("unexpected failures:\n%s", strings.Join(rec.failures, "\n"))
				}
				if resp == nil || resp.Status == 0 {
					t.Fatalf("no response: %+v", resp)
				}
				return
			}
			if len(rec.failures) == 0 {
				t.Fatalf("no failure reported, want one containing %q", tt.want)
			}
			if !strings.Contains(strings.Join(rec.failures, "\n"), tt.want) {
				t.Fatalf("failures do not mention %q:\n%s", tt.want, strings.Join(rec.failures, "\n"))
			}
		})
	}
}

// The request the handler gets is what Do was asked to send.
func TestDoSendsRequest(t *testing.T) {
	var method, uri, ct, auth, body string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		method, uri, ct, auth, body = r.Method, r.RequestURI, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), string(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		io.WriteString(w, item)
	})
	c := New(t, []byte(spec), h)
	resp := c.Do("POST", "/v1/items", map[string]string{"name": "pen"}, "Authorization", "Bearer k")
	if method != "POST" || uri != "/v1/items" || ct != "application/json" || auth != "Bearer k" || body != `{"name":"pen"}` {
		t.Errorf("handler got %s %s ct=%q auth=%q body=%q", method, uri, ct, auth, body)
	}
	var got struct {
		ID   string  `json:"id"`
		Note *string `json:"note"`
	}
	resp.JSON(t, &got)
	if resp.Status != 201 || got.ID != "it_1" || got.Note != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("response %d %+v", resp.Status, got)
	}
}

// For sends failures to a subtest's TB.
func TestFor(t *testing.T) {
	c := New(t, []byte(spec), reply(500, "application/json", errBody))
	t.Run("sub", func(t *testing.T) {
		rec := &recorder{TB: t}
		c.For(rec).Do("DELETE", "/v1/items/it_1", nil)
		if len(rec.failures) != 1 {
			t.Errorf("failures = %q", rec.failures)
		}
	})
}

func TestBadSpecIsFatal(t *testing.T) {
	for name, doc := range map[string]string{
		"not JSON":                    `{`,
		"3.0-style exclusiveMinimum":  `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"number","minimum":0,"exclusiveMinimum":true}}}}}}}}}`,
		"example not matching schema": `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object"},"example":5}}}}}}}}`,
		"$defs reference":             `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$defs":{"n":{"type":"integer"}},"$ref":"#/$defs/n"}}}}}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{TB: t}
			if c := New(rec, []byte(doc), reply(200, "", "")); c != nil {
				t.Error("got a client")
			}
			if len(rec.failures) != 1 || !strings.HasPrefix(rec.failures[0], "FATAL") {
				t.Errorf("failures = %q", rec.failures)
			}
		})
	}
}

// TestSchemaConstructs pins down which OpenAPI 3.1 / JSON Schema 2020-12
// constructs kin-openapi enforces, so an upgrade that changes it shows up here
// and the API's document keeps to what is really checked.
func TestSchemaConstructs(t *testing.T) {
	tests := []struct {
		name, schema, components, value string
		valid                           bool
	}{
		{"type array accepts null", `{"type":["string","null"]}`, ``, `null`, true},
		{"type array rejects other types", `{"type":["string","null"]}`, ``, `1`, false},
		{"type array behind $ref accepts null", `{"$ref":"#/components/schemas/S"}`, `{"S":{"type":["string","null"]}}`, `null`, true},
		{"type array behind $ref rejects other types", `{"$ref":"#/components/schemas/S"}`, `{"S":{"type":["string","null"]}}`, `1`, false},
		{"nested $ref to type array", `{"$ref":"#/components/schemas/S"}`, `{"S":{"type":"object","properties":{"a":{"$ref":"#/components/schemas/T"}}},"T":{"type":["integer","null"]}}`, `{"a":"x"}`, false},
		{"type null", `{"type":"null"}`, ``, `0`, false},
		{"plain type rejects null", `{"type":"string"}`, ``, `null`, false},
		{"3.0 nullable is ignored in 3.1", `{"type":"string","nullable":true}`, ``, `null`, false},
		{"anyOf $ref or null", `{"anyOf":[{"$ref":"#/components/schemas/S"},{"type":"null"}]}`, `{"S":{"type":"string"}}`, `null`, true},
		{"enum with null", `{"type":["string","null"],"enum":["a",null]}`, ``, `"b"`, false},
		{"const", `{"const":"ok"}`, ``, `"no"`, false},
		{"numeric exclusiveMinimum", `{"type":"number","exclusiveMinimum":0}`, ``, `0`, false},
		{"integer rejects fractions", `{"type":"integer","format":"int64"}`, ``, `1.5`, false},
		{"int32 range", `{"type":"integer","format":"int32"}`, ``, `3000000000`, false},
		{"additionalProperties false", `{"type":"object","properties":{"a":{}},"additionalProperties":false}`, ``, `{"a":1,"b":2}`, false},
		{"unevaluatedProperties with allOf", `{"allOf":[{"$ref":"#/components/schemas/S"}],"unevaluatedProperties":false}`, `{"S":{"type":"object","properties":{"a":{}}}}`, `{"a":1,"b":2}`, false},
		{"oneOf with discriminator", `{"oneOf":[{"$ref":"#/components/schemas/A"},{"$ref":"#/components/schemas/B"}],"discriminator":{"propertyName":"kind"}}`, `{"A":{"type":"object","required":["kind","a"],"properties":{"kind":{"const":"A"}}},"B":{"type":"object","required":["kind","b"],"properties":{"kind":{"const":"B"}}}}`, `{"kind":"A","b":"x"}`, false},
		{"if/then", `{"type":"object","if":{"properties":{"k":{"const":"a"}}},"then":{"required":["x"]}}`, ``, `{"k":"a"}`, false},
		{"prefixItems", `{"type":"array","prefixItems":[{"type":"string"}]}`, ``, `[1]`, false},
		{"pattern", `{"type":"string","pattern":"^a+$"}`, ``, `"b"`, false},
		{"format date-time", `{"type":"string","format":"date-time"}`, ``, `"2024-05-24"`, false},
		{"format date", `{"type":"string","format":"date"}`, ``, `"24/05/2024"`, false},
		{"format uuid (added by apitest)", `{"type":"string","format":"uuid"}`, ``, `"nope"`, false},
		{"format email (added by apitest)", `{"type":"string","format":"email"}`, ``, `"nope"`, false},
		{"format uri is not checked", `{"type":"string","format":"uri"}`, ``, `"not a uri"`, true},
		{"examples keyword is an annotation", `{"type":"string","examples":["a"]}`, ``, `"b"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			components := tt.components
			if components == "" {
				components = "{}"
			}
			doc := `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"components":{"schemas":` + components + `},
				"paths":{"/x":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":` + tt.schema + `}}}}}}}}`
			rec := &recorder{TB: t}
			New(rec, []byte(doc), reply(200, "application/json", tt.value)).Do("GET", "/x", nil)
			if valid := len(rec.failures) == 0; valid != tt.valid {
				t.Errorf("%s against %s: valid = %v, want %v\n%s", tt.value, tt.schema, valid, tt.valid, strings.Join(rec.failures, "\n"))
			}
		})
	}
}
