package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/cursor"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageRequest is where a list starts and how much it returns.
type PageRequest struct {
	Limit  int    // 1..MaxPageSize; 0 means DefaultPageSize
	Cursor string // opaque; "" for the first page
}

// Page is one page of a list. Total comes from the counters, not from counting.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
	Total      int64   `json:"total"`
}

// query is one list: a key condition on the table or an index, sealed to an
// account and a filter description.
type query struct {
	account string
	filter  string // canonical description of the list and its filters
	index   string // "" for the base table
	pkAttr  string
	pk      string
	skAttr  string
	prefix  string
	newest  bool // newest first
	// between, when set, replaces the prefix with an inclusive sort-key range.
	between *[2]string
	// where is a FilterExpression on non-key attributes, with its values.
	where       string
	whereNames  map[string]string
	whereValues map[string]types.AttributeValue
}

func (q query) keyAttrs() []string {
	attrs := []string{tabledef.PK, tabledef.SK}
	if q.index != "" {
		attrs = append(attrs, q.pkAttr, q.skAttr)
	}
	return attrs
}

// run reads one page. It asks for one item more than the page size so that
// the last page never hands out a cursor to an empty page.
func (s *Store) run(ctx context.Context, q query, pr PageRequest) ([]map[string]types.AttributeValue, *string, error) {
	limit := pr.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, nil, domain.Invalid("limit", "must be between 1 and %d", MaxPageSize)
	}
	in := s.queryInput(q)
	if pr.Cursor != "" {
		pos, err := s.cursors.Open(q.account, q.filter, pr.Cursor)
		if errors.Is(err, cursor.ErrInvalid) || (err == nil && pos[q.pkAttr] != q.pk) {
			return nil, nil, domain.Invalid("cursor", "is not valid for this list: cursors only work with the same filters and account that produced them")
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{}
		for k, v := range pos {
			in.ExclusiveStartKey[k] = str(v)
		}
	}
	var items []map[string]types.AttributeValue
	for len(items) <= limit {
		in.Limit = aws.Int32(int32(limit + 1 - len(items)))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("query %s: %w", q.filter, err)
		}
		items = append(items, out.Items...)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	if len(items) <= limit {
		return items, nil, nil
	}
	items = items[:limit]
	last := items[limit-1]
	pos := map[string]string{}
	for _, a := range q.keyAttrs() {
		if v, ok := last[a].(*types.AttributeValueMemberS); ok {
			pos[a] = v.Value
		}
	}
	c := s.cursors.Seal(q.account, q.filter, pos)
	return items, &c, nil
}

// queryInput is the Query for q, from its first item.
func (s *Store) queryInput(q query) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": q.pkAttr, "#sk": q.skAttr,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(q.pk), ":prefix": str(q.prefix)},
		ScanIndexForward:          aws.Bool(!q.newest),
	}
	if q.prefix == "" && q.between == nil { // begins_with refuses an empty prefix
		in.KeyConditionExpression = aws.String("#pk = :pk")
		delete(in.ExpressionAttributeValues, ":prefix")
		delete(in.ExpressionAttributeNames, "#sk")
	}
	if q.between != nil {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi")
		delete(in.ExpressionAttributeValues, ":prefix")
		in.ExpressionAttributeValues[":lo"], in.ExpressionAttributeValues[":hi"] = str(q.between[0]), str(q.between[1])
	}
	if q.where != "" {
		in.FilterExpression = aws.String(q.where)
		for k, v := range q.whereValues {
			in.ExpressionAttributeValues[k] = v
		}
		for k, v := range q.whereNames {
			in.ExpressionAttributeNames[k] = v
		}
	}
	if q.index != "" {
		in.IndexName = aws.String(q.index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	return in
}

// decodePage unmarshals a page of items into T.
func decodePage[T any](items []map[string]types.AttributeValue) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		var v T
		if err := unmarshal(it, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// runPage reads one page of q and decodes its items.
func runPage[T any](ctx context.Context, s *Store, q query, pr PageRequest) ([]T, *string, error) {
	items, next, err := s.run(ctx, q, pr)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodePage[T](items)
	return out, next, err
}

// queryAll reads every item of a key condition (for audits and purges; never
// a Scan).
func (s *Store) queryAll(ctx context.Context, pk, prefix string, fn func(map[string]types.AttributeValue) error) error {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ConsistentRead:            aws.Bool(true),
	}
	if prefix != "" { // begins_with refuses an empty prefix
		in.KeyConditionExpression = aws.String("PK = :pk AND begins_with(SK, :p)")
		in.ExpressionAttributeValues[":p"] = str(prefix)
	}
	return s.forEach(ctx, in, fn)
}

// forEach calls fn with every item the query in finds, page by page.
func (s *Store) forEach(ctx context.Context, in *dynamodb.QueryInput, fn func(map[string]types.AttributeValue) error) error {
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range out.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
	}
	return nil
}
