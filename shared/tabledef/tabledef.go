// Package tabledef is the one description of the single DynamoDB table. The
// local set-up (shared/ddb) and the CDK stack (infra/cdk) both build the table
// from it, so the two cannot drift. It imports nothing from AWS on purpose.
package tabledef

// Index is a global secondary index with string hash and range keys,
// projecting all attributes.
type Index struct {
	Name    string
	HashKey string
	SortKey string
}

// Table describes the table's keys, indexes and TTL attribute.
type Table struct {
	HashKey      string
	SortKey      string
	Indexes      []Index
	TTLAttribute string
}

// DefaultName is the table name used when TABLE_NAME is not set.
const DefaultName = "igny8"

// Attribute names shared by every item.
const (
	PK     = "PK"
	SK     = "SK"
	GSI1PK = "GSI1PK"
	GSI1SK = "GSI1SK"
	GSI2PK = "GSI2PK"
	GSI2SK = "GSI2SK"
	GSI3PK = "GSI3PK"
	GSI3SK = "GSI3SK"
	TTL    = "ttl"
)

// Index names.
const (
	// ByStatus lists an entity of a partition by status: GSI1PK is the owning
	// partition, GSI1SK is "<TYPE>#<status>#<id>". It also holds sparse
	// global work queues (pending holds by expiry).
	ByStatus = "GSI1"
	// BySector lists an entity of a site by sector and status: GSI2PK is
	// "<site partition>#SEC#<sector>", GSI2SK is "<TYPE>#<status>#<id>".
	BySector = "GSI2"
	// ByVolume lists a site's keywords by search volume, highest first:
	// GSI3PK is "<site partition>#KWVOL", GSI3SK the inverted volume and the ID.
	ByVolume = "GSI3"
)

// Definition is the table every environment uses.
var Definition = Table{
	HashKey: PK,
	SortKey: SK,
	Indexes: []Index{
		{Name: ByStatus, HashKey: GSI1PK, SortKey: GSI1SK},
		{Name: BySector, HashKey: GSI2PK, SortKey: GSI2SK},
		{Name: ByVolume, HashKey: GSI3PK, SortKey: GSI3SK},
	},
	TTLAttribute: TTL,
}
