terraform {
  # precondition blocks need 1.2; 1.5 is the oldest release still commonly in use.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # transition_default_minimum_object_size arrived in 5.7x and was made reliable in 5.86
      # (it is reset properly when removed from the configuration).
      version = ">= 5.86.0, < 7.0.0"
    }
  }
}
