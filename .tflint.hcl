# tflint over the synthesized stacks (cdktf.out/stacks/*). The AWS plugin is built from
# source by .ci/install (no GitHub download), so it is declared without version/source.
config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  deep_check = false
}
