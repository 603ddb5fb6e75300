# The end-to-end test's and the demo's project: its nixpkgs is the fake one
# in ./fakepkgs, a copy of nixsearch/testdata/fixture/nixpkgs made when the
# project is set up (a path: input, so nix never goes online).
{
  inputs.nixpkgs.url = "path:./fakepkgs";

  outputs = { self, nixpkgs }: { };
}
