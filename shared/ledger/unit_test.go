package ledger

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

func TestHoldID(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z2-7]{26}$`)
	tests := []struct {
		name       string
		a1, k1     string
		a2, k2     string
		wantSameID bool
	}{
		{"same request", "acct", "run/stage/1", "acct", "run/stage/1", true},
		{"other key", "acct", "run/stage/1", "acct", "run/stage/2", false},
		{"other account", "a1", "k", "a2", "k", false},
		{"separator keeps account and key apart", "ab", "c", "a", "bc", false},
		{"case matters", "acct", "K", "acct", "k", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id1, id2 := HoldID(tt.a1, tt.k1), HoldID(tt.a2, tt.k2)
			if !shape.MatchString(id1) || !shape.MatchString(id2) {
				t.Fatalf("ids %q %q are not 26 lowercase base32 characters", id1, id2)
			}
			if (id1 == id2) != tt.wantSameID {
				t.Fatalf("HoldID(%q,%q)=%s HoldID(%q,%q)=%s, want same=%v", tt.a1, tt.k1, id1, tt.a2, tt.k2, id2, tt.wantSameID)
			}
		})
	}
	// Pinned (computed independently with Python's hashlib/base64): the ID is
	// part of stored data, so its derivation must never drift.
	if got := HoldID("acct", "k"); got != "fofkpa6mprmm6dcn32bituejpe" {
		t.Fatalf("HoldID(acct, k) = %s", got)
	}
}

func cancelled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c), Message: aws.String("msg " + c)}
	}
	return fmt.Errorf("wrapped: %w", &types.TransactionCanceledException{Message: aws.String("cancelled"), CancellationReasons: reasons})
}

func TestClassify(t *testing.T) {
	const (
		none = "None"
		ccf  = txn.CodeCondition
		tc   = "TransactionConflict"
	)
	post := []role{roleAccount, roleReplay}
	reserve := []role{roleAccount, roleReplay, roleReplay}
	settle := []role{roleReplay, roleAccount, roleExtra, roleExtra}
	tests := []struct {
		name  string
		err   error
		roles []role
		want  outcome
		index int
	}{
		{"not a cancellation", errors.New("boom"), post, outOther, -1},
		{"request throttled", &smithy.GenericAPIError{Code: "ThrottlingException"}, post, outRetry, -1},
		{"validation error", &smithy.GenericAPIError{Code: "ValidationException"}, post, outOther, -1},
		{"conflict", cancelled(none, tc), post, outRetry, -1},
		{"throttled item", cancelled("ThrottlingError", none), post, outRetry, -1},
		{"insufficient", cancelled(ccf, none), post, outAccount, 0},
		{"replay", cancelled(none, ccf), post, outReplay, 1},
		{"replay beats insufficient", cancelled(ccf, ccf), post, outReplay, 1},
		{"condition beats conflict", cancelled(ccf, tc), post, outAccount, 0},
		{"reserve replay: hold and entry", cancelled(none, ccf, ccf), reserve, outReplay, 1},
		{"reserve on a deduction's key: entry only", cancelled(none, none, ccf), reserve, outReplay, 2},
		{"extra item", cancelled(none, none, none, ccf), settle, outExtra, 3},
		{"account beats extra", cancelled(none, ccf, ccf, none), settle, outAccount, 1},
		{"hold resolved beats extra", cancelled(ccf, none, ccf, ccf), settle, outReplay, 0},
		{"reason count mismatch", cancelled(ccf, none, none), post, outOther, 0},
		{"no roles (retry check)", cancelled(ccf, tc), nil, outOther, 0},
		{"only None", cancelled(none, none), post, outOther, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, i, r := classify(tt.err, tt.roles)
			if got != tt.want || i != tt.index {
				t.Fatalf("classify = %d at %d, want %d at %d", got, i, tt.want, tt.index)
			}
			if i >= 0 && aws.ToString(r.Code) != ccf {
				t.Fatalf("reason at %d has code %q", i, aws.ToString(r.Code))
			}
		})
	}
}

func TestAuditProblems(t *testing.T) {
	clean := AuditReport{
		Account: domain.Account{Available: 60, Reserved: 30, Settled: 10, Granted: 100},
		TxCount: 4, Entries: 4, Deltas: Sums{60, 30, 10, 100}, PendingHolds: 2, PendingAmount: 30,
	}
	tests := []struct {
		name   string
		change func(*AuditReport)
		want   int
	}{
		{"clean", func(*AuditReport) {}, 0},
		{"settled drifted", func(r *AuditReport) { r.Account.Settled = 11 }, 2}, // vs deltas and vs granted
		{"entry missing", func(r *AuditReport) { r.Entries = 3 }, 1},
		{"negative available", func(r *AuditReport) {
			r.Account.Available, r.Account.Settled, r.Deltas.Available, r.Deltas.Settled = -1, 71, -1, 71
		}, 1},
		{"hold not counted", func(r *AuditReport) { r.PendingAmount = 20 }, 1},
		{"granted drifted", func(r *AuditReport) { r.Account.Granted = 99 }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := clean
			tt.change(&r)
			if got := r.problems(); len(got) != tt.want {
				t.Fatalf("problems %q, want %d", got, tt.want)
			}
		})
	}
}

func TestDecodeRejectsWrongTypes(t *testing.T) {
	tests := []struct {
		name string
		item map[string]types.AttributeValue
		ok   bool
	}{
		{"good", map[string]types.AttributeValue{"id": str("x"), "amount": num(5), "created_at": str("2025-01-01T00:00:00Z")}, true},
		{"number as string", map[string]types.AttributeValue{"amount": str("5")}, false},
		{"fractional number", map[string]types.AttributeValue{"amount": &types.AttributeValueMemberN{Value: "1.5"}}, false},
		{"bad time", map[string]types.AttributeValue{"created_at": str("yesterday")}, false},
		{"metadata not strings", map[string]types.AttributeValue{"metadata": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": num(1)}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeEntry(tt.item)
			if (err == nil) != tt.ok {
				t.Fatalf("decode error %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
