"""Jenkins: declarative and scripted Jenkinsfiles parsed with tree-sitter-groovy."""
