package txn

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A Tx can be kept as a DynamoDB attribute value and written later: a step
// stages its results this way, invisible, and the charge that pays for them
// commits them (see store.StageStep). DynamoDB stores the attribute values
// natively, so nothing is translated but the envelope.

// Encode is t as one attribute value (a map).
func (t Tx) Encode() types.AttributeValue {
	writes := make([]types.AttributeValue, 0, len(t.items))
	for _, it := range t.items {
		writes = append(writes, encodeWrite(it))
	}
	counters := make([]types.AttributeValue, 0, len(t.counters))
	for _, c := range t.counters {
		d := map[string]types.AttributeValue{}
		for name, v := range c.deltas {
			d[name] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
		}
		counters = append(counters, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"t": s(c.table), "pk": s(c.pk), "sk": s(c.sk), "d": &types.AttributeValueMemberM{Value: d},
		}})
	}
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"w": &types.AttributeValueMemberL{Value: writes},
		"c": &types.AttributeValueMemberL{Value: counters},
	}}
}

// Decode is the Tx that Encode made v from.
func Decode(v types.AttributeValue) (Tx, error) {
	var t Tx
	m, ok := v.(*types.AttributeValueMemberM)
	if !ok {
		return t, fmt.Errorf("txn: decode: not a map")
	}
	for _, w := range list(m.Value["w"]) {
		it, err := decodeWrite(w)
		if err != nil {
			return Tx{}, err
		}
		t.Add(it)
	}
	for _, cv := range list(m.Value["c"]) {
		c := fields(cv)
		deltas := map[string]int64{}
		for name, dv := range fields(c["d"]) {
			n, ok := dv.(*types.AttributeValueMemberN)
			if !ok {
				return Tx{}, fmt.Errorf("txn: decode: counter %s is not a number", name)
			}
			d, err := strconv.ParseInt(n.Value, 10, 64)
			if err != nil {
				return Tx{}, fmt.Errorf("txn: decode: counter %s: %w", name, err)
			}
			deltas[name] = d
		}
		t.Count(str(c["t"]), str(c["pk"]), str(c["sk"]), deltas)
	}
	return t, nil
}

func encodeWrite(it types.TransactWriteItem) types.AttributeValue {
	m := map[string]types.AttributeValue{}
	var names map[string]string
	var values map[string]types.AttributeValue
	var cond *string
	var fail types.ReturnValuesOnConditionCheckFailure
	switch {
	case it.Put != nil:
		m["op"], m["t"], m["item"] = s("put"), s(aws.ToString(it.Put.TableName)), mapOf(it.Put.Item)
		names, values, cond, fail = it.Put.ExpressionAttributeNames, it.Put.ExpressionAttributeValues, it.Put.ConditionExpression, it.Put.ReturnValuesOnConditionCheckFailure
	case it.Update != nil:
		m["op"], m["t"], m["key"], m["ue"] = s("update"), s(aws.ToString(it.Update.TableName)), mapOf(it.Update.Key), s(aws.ToString(it.Update.UpdateExpression))
		names, values, cond, fail = it.Update.ExpressionAttributeNames, it.Update.ExpressionAttributeValues, it.Update.ConditionExpression, it.Update.ReturnValuesOnConditionCheckFailure
	case it.Delete != nil:
		m["op"], m["t"], m["key"] = s("delete"), s(aws.ToString(it.Delete.TableName)), mapOf(it.Delete.Key)
		names, values, cond, fail = it.Delete.ExpressionAttributeNames, it.Delete.ExpressionAttributeValues, it.Delete.ConditionExpression, it.Delete.ReturnValuesOnConditionCheckFailure
	case it.ConditionCheck != nil:
		m["op"], m["t"], m["key"] = s("check"), s(aws.ToString(it.ConditionCheck.TableName)), mapOf(it.ConditionCheck.Key)
		names, values, cond, fail = it.ConditionCheck.ExpressionAttributeNames, it.ConditionCheck.ExpressionAttributeValues, it.ConditionCheck.ConditionExpression, it.ConditionCheck.ReturnValuesOnConditionCheckFailure
	}
	if cond != nil {
		m["ce"] = s(*cond)
	}
	if len(names) > 0 {
		n := map[string]types.AttributeValue{}
		for k, v := range names {
			n[k] = s(v)
		}
		m["n"] = &types.AttributeValueMemberM{Value: n}
	}
	if len(values) > 0 {
		m["v"] = mapOf(values)
	}
	if fail != "" {
		m["rv"] = s(string(fail))
	}
	return &types.AttributeValueMemberM{Value: m}
}

func decodeWrite(v types.AttributeValue) (types.TransactWriteItem, error) {
	m := fields(v)
	table, op := aws.String(str(m["t"])), str(m["op"])
	var cond *string
	if c, ok := m["ce"]; ok {
		cond = aws.String(str(c))
	}
	var names map[string]string
	if n := fields(m["n"]); len(n) > 0 {
		names = map[string]string{}
		for k, v := range n {
			names[k] = str(v)
		}
	}
	values := fields(m["v"])
	if len(values) == 0 {
		values = nil
	}
	fail := types.ReturnValuesOnConditionCheckFailure(str(m["rv"]))
	switch op {
	case "put":
		return types.TransactWriteItem{Put: &types.Put{TableName: table, Item: fields(m["item"]), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: fail}}, nil
	case "update":
		return types.TransactWriteItem{Update: &types.Update{TableName: table, Key: fields(m["key"]), UpdateExpression: aws.String(str(m["ue"])),
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: fail}}, nil
	case "delete":
		return types.TransactWriteItem{Delete: &types.Delete{TableName: table, Key: fields(m["key"]), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: fail}}, nil
	case "check":
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: table, Key: fields(m["key"]), ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: fail}}, nil
	}
	return types.TransactWriteItem{}, fmt.Errorf("txn: decode: unknown write %q", op)
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func mapOf(m map[string]types.AttributeValue) types.AttributeValue {
	if m == nil {
		m = map[string]types.AttributeValue{}
	}
	return &types.AttributeValueMemberM{Value: m}
}

func fields(v types.AttributeValue) map[string]types.AttributeValue {
	if m, ok := v.(*types.AttributeValueMemberM); ok {
		return m.Value
	}
	return nil
}

func list(v types.AttributeValue) []types.AttributeValue {
	if l, ok := v.(*types.AttributeValueMemberL); ok {
		return l.Value
	}
	return nil
}

func str(v types.AttributeValue) string {
	if x, ok := v.(*types.AttributeValueMemberS); ok {
		return x.Value
	}
	return ""
}
