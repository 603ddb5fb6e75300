// Package nixsearch is devsh's package index: it resolves which nixpkgs a
// project pins, builds the index by evaluating the package set in shards
// over concurrent nix processes (each a `nix eval` that lists what
// `nix search --json` lists plus each package's meta; `nix search` and
// `nix eval` run through a cancellable Runner), keeps it in an on-disk cache
// whose file is the index's memory layout (opened by mapping it), and
// matches queries against it with a fast fuzzy matcher.
//
// Data flow: Source (ResolveSource) → Store.Build (planShards →
// Nix.BuildIndex: one nix per shard, progress summed, partial indexes as
// shards land) → Index → Cache.Store; later Cache.Load maps the file back
// into an Index → Matcher.Search.
//
// Every nix run goes through Nix.nixRun with --log-format internal-json and
// NO_COLOR=1 (nixcli.LogArgs, nixcli.Env); its stderr streams into a
// nixcli.Stderr (internal/nixcli, shared with devshell's doctor), which counts
// the `evaluating '…'` activities for progress (0 while nix reports none)
// and keeps nix's error events for the one-line *NixError, the same on nix
// 2.8 to 2.35, Lix and Determinate Nix.
package nixsearch
