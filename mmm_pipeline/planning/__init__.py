"""Budget planning: response curves and budget scenarios from the models in force."""
