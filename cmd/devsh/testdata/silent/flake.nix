# A nixpkgs that nix evaluates for minutes without writing a byte: its
# packages wait on a naive fib 38 (about 10^8 calls). A nix killed with devsh
# must die by its parent-death signal, not because a write to devsh's closed
# pipes failed (the slow fixture's progress lines would end it that way).
# Tests kill nix long before the sum is done.
{
  outputs = { self }:
    let
      fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2);
      pkgsFor = system: builtins.seq (fib 38) {
        hello = derivation { inherit system; name = "hello-1.0"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; };
      };
    in
    {
      legacyPackages.x86_64-linux = pkgsFor "x86_64-linux";
      legacyPackages.aarch64-linux = pkgsFor "aarch64-linux";
    };
}
