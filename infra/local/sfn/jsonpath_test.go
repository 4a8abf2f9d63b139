package sfn

import (
	"strings"
	"testing"
)

const storeDoc = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "a b": {"c.d": 1},
  "n": null
}`

func TestJSONPathValue(t *testing.T) {
	doc := J(t, storeDoc)
	tests := []struct {
		path string
		want string // "" = not found
	}{
		{"$", storeDoc},
		{"$.store.bicycle.color", `"red"`},
		{"$['store']['bicycle']['color']", `"red"`},
		{`$["store"].bicycle["price"]`, `19.95`},
		{"$['a b']['c.d']", `1`},
		{"$.n", `null`},
		{"$.store.book[0].author", `"Nigel Rees"`},
		{"$.store.book[-1].author", `"J. R. R. Tolkien"`},
		{"$.store.book[9]", ""},
		{"$.store.missing", ""},
		{"$.store.bicycle.color.x", ""},
		// indefinite paths yield arrays
		{"$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store.book.*.price", `[8.95,12.99,8.99,22.99]`},
		{"$.store.book[0,2].price", `[8.95,8.99]`},
		{"$.store.book[0:2].price", `[8.95,12.99]`},
		{"$.store.book[-2:].price", `[8.99,22.99]`},
		{"$.store.book[::2].price", `[8.95,8.99]`},
		{"$.store.book[*].isbn", `["0-553-21311-3","0-395-19395-8"]`},
		{"$..author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"$.store..price", `[19.95,8.95,12.99,8.99,22.99]`},
		{"$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{"$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
		{"$.store.book[?(@.category == 'fiction' && @.price > 20)].author", `["J. R. R. Tolkien"]`},
		{`$.store.book[?(@.author == "Nigel Rees" || @.price >= 22.99)].price`, `[8.95,22.99]`},
		{"$.store.book[?(!@.isbn)].price", `[8.95,12.99]`},
		{"$.store.book[?(@.price != 8.95)].price", `[12.99,8.99,22.99]`},
		{"$.store.book[?(@.price > $.store.bicycle.price)].title", `["The Lord of the Rings"]`},
		{"$.store.book[?(@.nope == 1)]", `[]`},
		{"$.nothing[*]", `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			jp, err := parsePath(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := jp.value(doc)
			if tc.want == "" {
				if ok {
					t.Fatalf("found %s, want not found", encodeString(got))
				}
				return
			}
			if !ok || !jsonEqual(got, J(t, tc.want)) {
				t.Fatalf("got %s (found %v), want %s", encodeString(got), ok, tc.want)
			}
		})
	}
}

func TestJSONPathErrorsAndReferencePaths(t *testing.T) {
	for _, bad := range []string{"", "a.b", "$.", "$[", "$.a[x]", "$.a..", "$.a.length()", "$['a'", "$[?(@.a ==)]", "$[1:2:0]"} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
	for _, ok := range []string{"$", "$.a", "$.a.b[0]", "$['a'].b", "$$.Execution.Id"} {
		if _, err := parseRefPath(ok); err != nil {
			t.Errorf("parseRefPath(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"$.a[*]", "$..a", "$.a[0,1]", "$.a[?(@.x)]", "$.a[-1]", "$.a[0:1]", "$['a','b']"} {
		if _, err := parseRefPath(bad); err == nil || !strings.Contains(err.Error(), "Reference Path") {
			t.Errorf("parseRefPath(%q) = %v, want a Reference Path error", bad, err)
		}
	}
}

func TestSetPath(t *testing.T) {
	tests := []struct {
		input, path, val, want string
	}{
		{`{"a":1}`, "$.b", `2`, `{"a":1,"b":2}`},
		{`{"a":1}`, "$.a", `{"x":true}`, `{"a":{"x":true}}`},
		{`{"a":1}`, "$.x.y.z", `"v"`, `{"a":1,"x":{"y":{"z":"v"}}}`},
		{`{"a":{"k":1}}`, "$.a.m", `2`, `{"a":{"k":1,"m":2}}`},
		{`{"a":[1,2,3]}`, "$.a[1]", `"two"`, `{"a":[1,"two",3]}`},
		{`{"a":"str"}`, "$.a.b", `1`, ""},
		{`"str"`, "$.a", `1`, ""},
		{`[1,2]`, "$.a", `1`, ""},
		{`{"a":[1]}`, "$.a[5]", `1`, ""},
		{`{}`, "$.a[0]", `1`, ""},
	}
	for _, tc := range tests {
		jp, err := parseRefPath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		in := J(t, tc.input)
		before := encodeString(in)
		got, err := setPath(in, jp.segs, J(t, tc.val))
		if tc.want == "" {
			if err == nil {
				t.Errorf("set %s on %s = %s, want an error", tc.path, tc.input, encodeString(got))
			}
			continue
		}
		if err != nil || !jsonEqual(got, J(t, tc.want)) {
			t.Errorf("set %s on %s = %s, %v; want %s", tc.path, tc.input, encodeString(got), err, tc.want)
		}
		if encodeString(in) != before {
			t.Errorf("setPath modified its input: %s", encodeString(in))
		}
	}
}
