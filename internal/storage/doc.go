// Package storage is the persistence layer: one bbolt file holding every
// account's resources as deterministic protobuf bytes.
//
// # Layout
//
//	meta                       schema_version = uint64 big-endian
//	data
//	  <account id>             e.g. "111122223333"
//	    <region>               e.g. "us-east-1", or GlobalRegion for IAM
//	      <table name>         e.g. "imagebuilder.components"
//	        <key> = <value>    key chosen by the table's owner (see KeyBuilder)
//
// Top-level buckets are declared once in schema.go. Tables are declared once
// by their owners with NewTable, which fixes the table name and the message
// type stored in it. Buckets below data are created lazily by the first
// write; reads of a bucket that does not exist yet behave as "empty".
//
// # Transactions
//
// DB.View and DB.Update run a function with a *Tx. Table methods and the
// helpers in this package take that *Tx, so one API request can read, check
// and write several tables atomically: one transaction per request is the
// intended use. Everything a Tx returns (keys and decoded values) is a copy
// that stays valid after the transaction ends; a *Tx itself must not be used
// after its function returns.
//
// Update groups concurrent writers into one bbolt transaction and one fsync
// (bbolt's Batch), so its function may run more than once and must have no
// effects outside the transaction. See DB.Update.
//
// # Start-up cost
//
// Open reads one key (the schema version) and runs pending migrations.
// Nothing walks the data at start-up, and Scan seeks straight to the first
// key of a page, so neither start-up nor pagination costs grow with the size
// of the database.
package storage
