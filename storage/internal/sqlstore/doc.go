// Package sqlstore implements every storage interface over database/sql
// for the mysql and pgsql backends, which differ only in their SQL
// dialect, error codes and schema checks. Queries are written once, in
// PostgreSQL's upsert form with ? placeholders, and translated to the
// server's dialect when a [Store] is built. Hot-path statements are
// prepared once, so each call costs one round trip per statement.
//
// The tables are NanoMDM's, so NanoMDM and this server can share a
// database. Three optional columns make delivery order, certificate
// binding order and next-command cost exact; [Features] says which ones a
// database has, and the store falls back to NanoMDM's columns without
// them.
package sqlstore
