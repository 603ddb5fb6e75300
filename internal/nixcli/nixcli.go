// Package nixcli holds what every run of the nix command line needs, for
// nixsearch (search, eval, flake metadata) and for devshell's doctor alike,
// so both enable the same features the same way.
package nixcli

// Features are the experimental features devsh enables on every nix run
// with FeaturesFlag: flakes and the nix command are still experimental on
// the nix releases people run (on by default only in Determinate Nix), and
// devsh must work without the user editing nix.conf.
const Features = "nix-command flakes"

// FeaturesFlag is the option that enables Features for one run.
const FeaturesFlag = "--extra-experimental-features"
