// Package amvibeam runs amvi's encode and eval as Apache Beam pipelines,
// for corpora too big for one machine, on any Beam runner: Dataflow,
// Flink, Spark, or Prism locally (docs/distributed.md).
//
// [Encode] matches file patterns, cuts each file into blocks of
// data.ShardBlock documents, encodes the blocks with the encoder loaded
// once per worker, and writes each input's codes as JSON Lines (or CSV)
// shards: shard i of N is, byte for byte, the output of
// `encode -shard i/N` on that file. [Eval] evaluates a checkpoint on a
// corpus batch by batch in parallel and combines the batches' exact
// partial statistics (eval.Partial) into the report of `eval -json`, bit
// for bit.
//
// This is a module of its own, so that Beam's ~300 modules never enter
// amvi's: the root module's `go list -m all` does not change with it.
package amvibeam
