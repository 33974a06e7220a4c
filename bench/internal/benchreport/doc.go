// Package benchreport holds what the report writers of the Go benchmark
// programs (bench/rspbench, bench/enrpbench) have in common: reading the
// result lines a driver collected, the -meta string, medians and number
// formatting for the table, the machine description and the JSON file.
// Each program keeps its own rows, sections and JSON layout; this package
// only saves them from carrying copies of the same plumbing, so that a fix
// to, say, the median or the meta parsing reaches every report at once.
package benchreport
