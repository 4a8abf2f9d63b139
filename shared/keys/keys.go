// Package keys builds the table's partition and sort keys. Every tenant key
// starts with ACCT#<account>, so no query built here can reach another
// account's items. The one exception is the API-key lookup item, keyed by the
// key's SHA-256 so a request can be authenticated before its account is known.
package keys

import "strings"

// Account is the partition of an account's own items (account, sites, ledger).
func Account(account string) string { return "ACCT#" + account }

// Site is the partition of one site's data.
func Site(account, site string) string { return "ACCT#" + account + "#SITE#" + site }

// SiteSector is the GSI2 partition of one sector of a site.
func SiteSector(account, site, sector string) string { return Site(account, site) + "#SEC#" + sector }

// APIKey is the lookup partition of an API key hash.
func APIKey(hash string) string { return "APIKEY#" + hash }

// Sort keys and prefixes.
const (
	AccountSK   = "ACCOUNT"
	APIKeySK    = "APIKEY"
	StatsSK     = "STATS"
	SitePrefix  = "SITE#"
	TxPrefix    = "TX#"
	HoldPrefix  = "HOLD#"
	IdemPrefix  = "IDEM#"
	SectorPre   = "SECTOR#"
	KeywordPre  = "KW#"
	KwUniquePre = "KWU#"
)

// ID returns the part of a sort key after its prefix.
func ID(sk, prefix string) string { return strings.TrimPrefix(sk, prefix) }

// Status is a GSI1/GSI2 sort key: "<TYPE>#<status>#<id>", so a begins_with on
// "<TYPE>#<status>#" lists one status and on "<TYPE>#" all of them.
func Status(typ, status, id string) string { return typ + "#" + status + "#" + id }
