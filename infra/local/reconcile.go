package local

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/reconcile"
	"github.com/igny8/igny8-serverless/shared/store"
)

// lostReason is what a user reads on an operation or run the local stack
// was running when it stopped.
const lostReason = "the local stack stopped while this ran (it keeps executions in memory): start it again"

// scanner is the one DynamoDB call the start-up reconciliation makes; the
// cloud never scans (its executions outlive a function, and the execution
// status rule ends the ones that die).
type scanner interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Reconciled is what the start-up reconciliation ended or took over.
type Reconciled struct {
	Operations    int `json:"operations"`
	Runs          int `json:"runs"`
	HoldsReleased int `json:"holds_released"`
	Publishes     int `json:"publishes"`
}

// Reconcile runs when the local stack starts, before it takes work: the
// executions of a stack that stopped (a crash, a SIGKILL) died with it, so
// every operation and run still open is ended with a reason through the
// cleanup the cloud's execution-status rule runs (holds released, claims
// dropped, site locks freed), and every publish still leased is taken over
// at once and published again (exactly once: the publisher finds the post
// an earlier attempt made).
func (s *Stack) Reconcile(ctx context.Context, db scanner, table string) (Reconciled, error) {
	var r Reconciled
	cleaner := s.Deps.Cleaner()
	filter := "(#t = :op AND (#st = :queued OR #st = :running)) OR (#t = :run AND (#st = :running OR #st = :paused OR #st = :cancelling)) OR site_status = :publishing"
	vals := map[string]types.AttributeValue{
		":op": str("operation"), ":run": str("automation_run"), ":queued": str(string(domain.OperationQueued)),
		":running": str("running"), ":paused": str(string(domain.RunPaused)), ":cancelling": str(string(domain.RunCancelling)),
		":publishing": str(string(domain.SitePublishing)),
	}
	var start map[string]types.AttributeValue
	for {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String(filter),
			ExpressionAttributeNames: map[string]string{"#t": "_type", "#st": "status"}, ExpressionAttributeValues: vals,
			ConsistentRead: aws.Bool(true), ExclusiveStartKey: start})
		if err != nil {
			return r, fmt.Errorf("reconcile: scan: %w", err)
		}
		for _, it := range out.Items {
			if err := s.reconcileItem(ctx, cleaner.EndOrphan, it, &r); err != nil {
				return r, err
			}
		}
		if start = out.LastEvaluatedKey; len(start) == 0 {
			return r, nil
		}
	}
}

func (s *Stack) reconcileItem(ctx context.Context, end func(context.Context, []byte, string) (reconcile.Outcome, error), it map[string]types.AttributeValue, r *Reconciled) error {
	pk, typ, id := attr(it, "PK"), attr(it, "_type"), attr(it, "id")
	switch {
	case typ == "operation":
		account := strings.TrimPrefix(pk, keys.Account(""))
		op, err := s.Deps.Store.GetOperation(ctx, account, id)
		if err != nil {
			return err
		}
		key := op.ExecutionID
		if key == "" {
			key = "op#" + op.ID
		}
		input, _ := json.Marshal(ops.State{Job: ops.Job{OperationID: op.ID, AccountID: account, SiteID: op.SiteID, Type: op.Type,
			ItemIDs: op.ItemIDs, Estimate: op.EstimatedCred, Key: key}})
		out, err := end(ctx, input, lostReason)
		if err != nil {
			return err
		}
		r.Operations++
		r.HoldsReleased += out.HoldsReleased
	case typ == "automation_run":
		account, site, ok := strings.Cut(strings.TrimPrefix(pk, keys.Account("")), "#SITE#")
		if !ok {
			return fmt.Errorf("reconcile: run %s has partition %q", id, pk)
		}
		input, _ := json.Marshal(automation.Input{Run: automation.RunRef{RunID: id, AccountID: account, SiteID: site}})
		out, err := end(ctx, input, lostReason)
		if err != nil {
			return err
		}
		r.Runs++
		r.HoldsReleased += out.HoldsReleased
	case attr(it, "site_status") == string(domain.SitePublishing):
		account, site := attr(it, "account_id"), attr(it, "site_id")
		until, err := time.Parse(store.SlotFormat, attr(it, "lease_until"))
		if err != nil {
			until = time.Now().UTC().Add(publishing.DefaultLease)
		}
		// The lease belongs to a publisher that died with the stack: take
		// it over as the tick would once it ran out.
		claim := store.NewID()
		ok, err := s.Deps.Store.Claim(ctx, account, site, id, claim, until.Add(time.Second), publishing.DefaultLease, store.ClaimDue)
		if err != nil {
			return err
		}
		if ok {
			if err := s.publisher.Invoke(ctx, publishing.Job{AccountID: account, SiteID: site, ContentID: id, ClaimID: claim}); err != nil {
				return err
			}
			r.Publishes++
		}
	}
	return nil
}

func attr(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
