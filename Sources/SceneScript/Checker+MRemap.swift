import AnonVMASim

extension Checker {
  /// `mremap P M A..B to NEW [after X | before X] [dontunmap]` (keyword at word `o`): the source
  /// range, the new name, the neighbour, and MREMAP_DONTUNMAP only on a kernel that has it.
  mutating func mremap(_ m: MRemapArgs, _ s: LocatedStatement, offset o: Int) {
    guard process(m.process, s, word: o + 1) else { return }
    mapping(m.process, m.mapping, s, word: o + 2, pages: [m.first, m.last], pageWord: o + 3)
    let options = s.words.indices.filter { $0 > o + 5 }
    if m.dontUnmap, kernel == .v2_6_34 || kernel == .v2_6_36 {
      let w = options.first { s.words[$0] == "dontunmap" } ?? o
      error(
        .modernOnly, "dontunmap (MREMAP_DONTUNMAP) exists since Linux 5.7, not in kernel \(kernel.rawValue)", s,
        word: w)
    }
    switch m.placement {
    case .fresh: break
    case .after(let n), .before(let n):
      let w = options.first { s.words[$0] == "after" || s.words[$0] == "before" }.map { $0 + 1 } ?? o
      mapping(m.process, n, s, word: w, pages: [], pageWord: w)
    }
    if processes[m.process]?.mappings[m.target] != nil {
      error(.duplicateMapping, "process '\(m.process)' already has a mapping '\(m.target)'", s, word: o + 5)
    } else {
      processes[m.process]?.mappings[m.target] = m.pages
    }
  }
}
