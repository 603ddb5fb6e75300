# A nixpkgs whose names and descriptions carry terminal escapes (an OSC 52
# clipboard write, colours, a title change), as a hostile fork could: devsh
# must print them sanitised. The escape bytes are raw in this file.
{
  outputs = { self }:
    let
      pkgsFor = system:
        let
          mk = name: description: derivation { inherit system name; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; } // { meta.description = description; };
        in
        {
          "evil]52;c;aGVsbG8=" = mk "evil-1.0" "clipboard ]52;c;aGVsbG8= grab";
          evilcolour = mk "evilcolour-2.0" "[31mred[0m and ]0;title set";
        };
    in
    {
      legacyPackages.x86_64-linux = pkgsFor "x86_64-linux";
      legacyPackages.aarch64-linux = pkgsFor "aarch64-linux";
    };
}
