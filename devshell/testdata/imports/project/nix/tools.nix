{ pkgs, ... }: { devshell.packages = [ pkgs.jq ]; }
