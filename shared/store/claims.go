package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

// ClaimItems marks the items as worked on by operation op until until, so a
// second operation on them is refused before it is charged. An item claimed
// by another operation whose claim has not expired fails the claim: what
// this call claimed is released and the answer is a *domain.ClaimedError
// naming the claimed items. Claiming again for the same op is harmless.
func (s *Store) ClaimItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string, until time.Time) error {
	k, ok := keys.KindOf(e)
	if !ok {
		return fmt.Errorf("store: no kind for entity %q", e)
	}
	now := strconv.FormatInt(s.now().Unix(), 10)
	for start := 0; start < len(ids); start += txn.MaxItems {
		chunk := ids[start:min(start+txn.MaxItems, len(ids))]
		var w Tx
		for _, id := range chunk {
			w.Add(types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.table), Key: key(keys.Site(account, site), k.SK(id)),
				UpdateExpression:                    aws.String("SET claim_op = :op, claim_until = :until"),
				ConditionExpression:                 aws.String("attribute_exists(PK) AND (attribute_not_exists(claim_op) OR claim_until < :now OR claim_op = :op)"),
				ExpressionAttributeValues:           map[string]types.AttributeValue{":op": str(op), ":until": num(until.Unix()), ":now": &types.AttributeValueMemberN{Value: now}},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}})
		}
		err := s.transact(ctx, w.Items())
		if err == nil {
			continue
		}
		// Undo what this call claimed before answering; a claim left behind
		// would only expire with its hold.
		rerr := s.ReleaseItems(context.WithoutCancel(ctx), account, site, e, ids[:start], op)
		reasons := txn.Reasons(err)
		if reasons == nil {
			return errors.Join(fmt.Errorf("claim %s items: %w", e, err), rerr)
		}
		ce := &domain.ClaimedError{Entity: e}
		for i, r := range reasons {
			if aws.ToString(r.Code) != txn.CodeCondition {
				continue
			}
			if r.Item != nil && r.Item["PK"] == nil {
				return errors.Join(fmt.Errorf("%s %s: %w", e, chunk[i], domain.ErrNotFound), rerr)
			}
			ce.Items = append(ce.Items, chunk[i])
		}
		if len(ce.Items) == 0 {
			return errors.Join(fmt.Errorf("claim %s items: %w", e, err), rerr)
		}
		return errors.Join(ce, rerr)
	}
	return nil
}

// ReleaseItems ends op's claim on the items. Items claimed by someone else
// meanwhile (op's claim expired) or deleted are left as they are.
func (s *Store) ReleaseItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string) error {
	k, ok := keys.KindOf(e)
	if !ok {
		return fmt.Errorf("store: no kind for entity %q", e)
	}
	var errs []error
	for _, id := range ids {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(keys.Site(account, site), k.SK(id)),
			UpdateExpression:          aws.String("REMOVE claim_op, claim_until"),
			ConditionExpression:       aws.String("claim_op = :op"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":op": str(op)},
		})
		if err != nil && !isConditionFailed(err) {
			errs = append(errs, fmt.Errorf("release %s %s: %w", e, id, err))
		}
	}
	return errors.Join(errs...)
}

// HasImagePrompts reports whether a content item has had its image prompts
// written (MarkImagePrompted).
func (s *Store) HasImagePrompts(ctx context.Context, account, site, id string) (bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.Content.SK(id)),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("PK, image_prompts_at"),
	})
	if err != nil {
		return false, fmt.Errorf("read content %s: %w", id, err)
	}
	if out.Item == nil {
		return false, fmt.Errorf("content %s: %w", id, domain.ErrNotFound)
	}
	_, ok := out.Item["image_prompts_at"]
	return ok, nil
}
