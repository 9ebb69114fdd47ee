#!/usr/bin/env bats
# tjit completion bash|zsh (cmd/completion.c): the scripts made from the
# option tables, as the build writes them (build/completions/) and as
# `make install` installs them. The bash script is run here with plain
# `complete -F` (no bash-completion package); zsh is not a dependency, so
# its script is checked for its structure and, where zsh is installed,
# parsed by it.
load helper
bats_require_minimum_version 1.5.0

BASH_SCRIPT="$TJIT_BUILD/completions/tjit.bash"
ZSH_SCRIPT="$TJIT_BUILD/completions/_tjit"

setup() { cd "$BATS_TEST_TMPDIR"; }

# complete WORDS...: COMPREPLY, sorted, one a line, of the bash script's
# function for the command line WORDS (the last word is the one completed;
# give '' to complete a new word), with COMP_WORDS, COMP_CWORD, COMP_LINE
# and COMP_POINT set as bash sets them.
complete_words() {
  bash -c '
    source "$1"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _tjit tjit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' _ "$BASH_SCRIPT" "$@"
}

# The commands, from tjit --help.
commands() { tjit --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\).*/\1/p'; }

# The options of command $1 from its --help: "-o --output", "--call" ...
help_options() {
  tjit help "$1" | sed -n '/^options:/,$p' | grep -oE '^ +(-[a-zA-Z], )?--[a-z-]+' |
    sed -E 's/^ +//; s/, / /'
}

@test "completion: the build's scripts are what tjit completion prints" {
  run -0 tjit completion bash
  assert_equal "$output" "$(cat "$BASH_SCRIPT")"
  run -0 tjit completion zsh
  assert_equal "$output" "$(cat "$ZSH_SCRIPT")"
}

@test "completion: an unknown shell is a usage error with a hint" {
  run -2 --separate-stderr tjit completion bahs
  assert_output ''
  assert_equal "$stderr" "tjit completion: error: unknown shell 'bahs' (expected 'bash' or 'zsh')
hint: did you mean 'bash'?
usage: tjit completion [OPTIONS] bash|zsh"
  run -2 --separate-stderr tjit completion
  assert_equal "$stderr" "tjit completion: error: missing SHELL
usage: tjit completion [OPTIONS] bash|zsh"
}

@test "completion: sourcing the bash script registers _tjit for tjit" {
  run -0 bash -c 'source "$1" && complete -p tjit' _ "$BASH_SCRIPT"
  assert_output 'complete -F _tjit tjit'
  # the same through tjit itself, as tjit-completion(1) shows
  run -0 bash -c 'source <(tjit completion bash) && complete -p tjit'
  assert_output 'complete -F _tjit tjit'
}

@test "completion: bash completes command names" {
  run -0 complete_words tjit ch
  assert_output 'check'
  run -0 complete_words tjit e
  assert_output 'emit-c
explain-recompile
export'
  run -0 complete_words tjit ''
  assert_output "$( (printf '%s\n' -h --help --version; commands) | LC_ALL=C sort)"
}

@test "completion: bash completes a command's options, long and short" {
  run -0 complete_words tjit run --th
  assert_output '--threads'
  run -0 complete_words tjit trace -
  assert_output "$(help_options trace | tr ' ' '\n' | LC_ALL=C sort)"
  assert_line -- -o
  assert_line -- --output
  run -0 complete_words tjit graph --f
  assert_output '--format
--fused'
}

@test "completion: bash completes the words of --format, --rankdir and --dump-after" {
  run -0 complete_words tjit check --format ''
  assert_output 'github
json
sarif
text'
  run -0 complete_words tjit trace --format ''
  assert_output 'json
text'
  run -0 complete_words tjit graph --format p
  assert_output 'pdf
png'
  run -0 complete_words tjit graph --rankdir ''
  assert_output 'LR
TB'
  run -0 complete_words tjit emit-c --dump-after ''
  assert_output 'dce
fuse
half
work'
  # --format=js: bash splits the word at '='
  run -0 complete_words tjit check --format = j
  assert_output 'json'
  run -0 complete_words tjit check --format =
  assert_output 'github
json
sarif
text'
  # a value that is free text completes to nothing
  run -0 complete_words tjit run --call ''
  assert_output ''
}

@test "completion: bash completes spec files (*.json and directories), files for -o, directories for --out" {
  mkdir examples.d
  touch example.json ex.txt exit.JSON other.json examples.d/inner.json
  run -0 complete_words tjit trace ex
  assert_output 'example.json
examples.d'
  run -0 complete_words tjit check --autograph ''
  assert_output 'example.json
examples.d
other.json'
  run -0 complete_words tjit trace -o ex
  assert_output 'ex.txt
example.json
examples.d
exit.JSON'
  run -0 complete_words tjit run --out ''
  assert_output 'examples.d'
  run -0 complete_words tjit trace examples.d/
  assert_output 'examples.d/inner.json'
  # after --, operands only
  run -0 complete_words tjit trace -- ''
  assert_output 'example.json
examples.d
other.json'
}

@test "completion: bash completes the operands that are words: cache's actions, help's commands, the shells" {
  run -0 complete_words tjit cache ''
  assert_output 'clear
stats
verify'
  run -0 complete_words tjit help ex
  assert_output 'explain-recompile
export'
  run -0 complete_words tjit completion ''
  assert_output 'bash
zsh'
}

# Every command, and every option of every command's --help, is in both
# scripts: the scripts are made from the same tables, so a new option
# cannot be missing from them.
script_drift() {
  local cmd opt
  for cmd in $(commands); do
    grep -qE "^    $cmd\) echo \"" "$BASH_SCRIPT" || echo "bash: no options of $cmd"
    grep -qE "^  \($cmd\)$" "$ZSH_SCRIPT" || echo "zsh: no case for $cmd"
    grep -qF "'$cmd:" "$ZSH_SCRIPT" || echo "zsh: $cmd is not a command"
    local bash_line zsh_block
    bash_line=$(grep -E "^    $cmd\) echo \"" "$BASH_SCRIPT")
    zsh_block=$(sed -n "/^  ($cmd)\$/,/&& ret=0 ;;/p" "$ZSH_SCRIPT")
    for opt in $(help_options "$cmd"); do
      [[ " ${bash_line#*\"} " == *" $opt "* || " ${bash_line#*\"}" == *" $opt\""* ]] ||
        echo "bash: $cmd $opt"
      case $opt in
        --*) grep -qE -- "(^|[{'*,])$opt[=+\[,}]" <<<"$zsh_block" || echo "zsh: $cmd $opt" ;;
        -*) grep -qE -- "[{]$opt[+,]" <<<"$zsh_block" || echo "zsh: $cmd $opt" ;;
      esac
    done
  done
}

@test "completion: every command and every option of every command is in both scripts" {
  run script_drift
  assert_output ''
  # the check can fail: a script without --threads
  sed 's/ --threads / /' "$BASH_SCRIPT" >bash.sh
  BASH_SCRIPT=$PWD/bash.sh run script_drift
  assert_output 'bash: run --threads'
}

@test "completion: the zsh script's structure" {
  run -0 head -1 "$ZSH_SCRIPT"
  assert_output '#compdef tjit'
  run -0 tail -1 "$ZSH_SCRIPT"
  assert_output '_tjit "$@"'
  run -0 grep -c "^  ([a-z-]*)$" "$ZSH_SCRIPT"
  assert_output "$(commands | wc -l)"
  grep -qF "'--format=[output format\\: text (default), json, github or sarif]:FMT:(text json github sarif)'" "$ZSH_SCRIPT"
  grep -qF "'(-o --output)'{-o+,--output=}'[write the result to FILE ('\\''-'\\''\\: stdout)]:FILE:_files'" "$ZSH_SCRIPT"
  grep -qF "'--out=[also write each result to DIR/call<N>_out<K>.npy]:DIR:_files -/'" "$ZSH_SCRIPT"
  grep -qF "'*--what-if=[" "$ZSH_SCRIPT"
  grep -qF "'1:SPEC:_files -g \"*.json(-.)\"'" "$ZSH_SCRIPT"
  grep -qF "'1:ACTION:(stats verify clear)'" "$ZSH_SCRIPT"
  grep -qF "'::COMMAND:_tjit_commands'" "$ZSH_SCRIPT"
  if command -v zsh >/dev/null; then
    zsh -n "$ZSH_SCRIPT"
  fi
}

@test "completion: the bash script passes bash -n and never needs bash-completion's helpers" {
  bash -n "$BASH_SCRIPT"
  run grep -E '_init_completion|_filedir|_get_comp_words_by_ref' "$BASH_SCRIPT"
  assert_failure
}

@test "completion: make install puts both scripts where bash-completion and zsh look; uninstall removes them" {
  local stage=$BATS_TEST_TMPDIR/stage
  run make -C "$TJIT_ROOT" --no-print-directory BUILD="$TJIT_BUILD" PREFIX=/opt/tjit DESTDIR="$stage" install
  assert_success
  refute_line --regexp '^  (CC|LD)'
  cmp "$BASH_SCRIPT" "$stage/opt/tjit/share/bash-completion/completions/tjit"
  cmp "$ZSH_SCRIPT" "$stage/opt/tjit/share/zsh/site-functions/_tjit"
  run -0 bash -c 'source "$1" && complete -p tjit' _ "$stage/opt/tjit/share/bash-completion/completions/tjit"
  assert_output 'complete -F _tjit tjit'
  run make -C "$TJIT_ROOT" --no-print-directory BUILD="$TJIT_BUILD" PREFIX=/opt/tjit DESTDIR="$stage" uninstall
  assert_success
  [[ ! -e $stage/opt/tjit/share/bash-completion/completions/tjit && ! -e $stage/opt/tjit/share/zsh/site-functions/_tjit ]]
}
