"""One module per lesson: the code that serves that lesson alone. The shared pipeline is one level up."""
