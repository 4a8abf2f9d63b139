package txn

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A staged Tx comes back exactly as it was staged: every kind of write, its
// conditions, names and values, and the summed counters.
func TestEncodeDecodeRoundTrip(t *testing.T) {
	av := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	k := map[string]types.AttributeValue{"PK": av("A"), "SK": av("B")}
	cases := map[string]Tx{"empty": {}}
	var all Tx
	all.Add(
		types.TransactWriteItem{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{
			"PK": av("A"), "SK": av("C"), "n": &types.AttributeValueMemberN{Value: "7"}, "b": &types.AttributeValueMemberBOOL{Value: true},
			"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{av("x")}}, "ss": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
			"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"html": av("<p>\x00ü</p>")}}, "null": &types.AttributeValueMemberNULL{Value: true},
			"raw": &types.AttributeValueMemberB{Value: []byte{0, 1, 2}},
		}, ConditionExpression: aws.String("attribute_not_exists(PK)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		types.TransactWriteItem{Update: &types.Update{TableName: aws.String("t"), Key: k, UpdateExpression: aws.String("SET #s = :s"),
			ConditionExpression: aws.String("#s = :o"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": av("mapped"), ":o": av("new")}}},
		types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String("t"), Key: k}},
		types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String("t"), Key: k, ConditionExpression: aws.String("attribute_exists(PK)")}},
	)
	all.Count("t", "A", "STATS", map[string]int64{"clusters": 2, "keywords_new": -3})
	all.Count("t", "A", "STATS", map[string]int64{"clusters": 1})
	cases["every kind"] = all
	for name, tx := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Decode(tx.Encode())
			if err != nil {
				t.Fatal(err)
			}
			// The writes as they were; the counters as summed deltas (their
			// update expressions name them in map order).
			if !reflect.DeepEqual(got.items, tx.items) {
				for i := range tx.items {
					if !reflect.DeepEqual(got.items[i], tx.items[i]) {
						t.Errorf("write %d changed", i)
					}
				}
				t.FailNow()
			}
			if !reflect.DeepEqual(got.counters, tx.counters) {
				t.Fatalf("counters %+v, want %+v", got.counters, tx.counters)
			}
			if got.Len() != tx.Len() {
				t.Fatalf("len %d, want %d", got.Len(), tx.Len())
			}
		})
	}
	if _, err := Decode(&types.AttributeValueMemberS{Value: "x"}); err == nil {
		t.Fatal("decoded a string")
	}
}
