// Package nixcli holds what every run of the nix command line needs, for
// nixsearch (search, eval, flake metadata) and for devshell's doctor alike,
// so both run nix the same way: the experimental features devsh enables
// (Features, FeaturesFlag), nix's JSON log (LogArgs) and environment (Env),
// and the reader of that log (Stderr, StderrError).
//
// Flow of one run: the caller builds the argv (program, FeaturesFlag and
// Features, the subcommand, LogArgs) and adds Env; nix's stderr streams
// into a Stderr (nixlog.go), which splits it into lines, parses each
// `@nix` event of --log-format internal-json (and plain lines, for a nix
// that ignores it), counts the `evaluating '…'` activities for progress
// and keeps nix's error events and the last other lines; once nix exits,
// Failure gives nix's error in one line and its whole text, the same on
// nix 2.8 to 2.35, Lix and Determinate Nix. StderrError does the same for
// a stderr read whole.
package nixcli

// Features are the experimental features devsh enables on every nix run
// with FeaturesFlag: flakes and the nix command are still experimental on
// the nix releases people run (on by default only in Determinate Nix), and
// devsh must work without the user editing nix.conf.
const Features = "nix-command flakes"

// FeaturesFlag is the option that enables Features for one run.
const FeaturesFlag = "--extra-experimental-features"
