package nixsearch

// MainProgram is a stand-in until the index carries meta (issue 8 item 1, i13).
func (ix *Index) MainProgram(i int) string { return "" }
