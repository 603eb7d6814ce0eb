"""Plans (减排方案): the document a solve produces, its explanation and its exports."""
