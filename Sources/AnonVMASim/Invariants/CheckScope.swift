/// Which objects an invariant check looks at: everything, or what changed since the last check.
public struct CheckScope: Sendable {
  /// Processes whose VMAs, chains or page tables changed, ascending.
  public var processes: [ProcessID]
  /// anon_vmas whose fields changed, ascending.
  public var anonVMAs: [AnonVMAID]
  /// anon_vma_chains that changed, ascending by id, each with the last anon_vma it was seen
  /// linked to (0: none).
  public var avcs: [(id: AVCID, lastAnonVMA: AnonVMAID)]

  /// The scope of what a world marked since its last check.
  init(_ w: World) {
    processes = w.touchedProcesses.ids
    anonVMAs = w.touchedAnonVMAs.ids
    // Stable sort by id (a fork marks in ascending order already), then one entry per id: the
    // last non-zero anon_vma it was marked with.
    var marks = w.touchedAVCs
    if zip(marks, marks.dropFirst()).contains(where: { $0.id > $1.id }) {
      marks = marks.enumerated().sorted { ($0.element.id, $0.offset) < ($1.element.id, $1.offset) }.map(\.element)
    }
    avcs = []
    avcs.reserveCapacity(marks.count)
    for m in marks {
      if let last = avcs.last, last.id == m.id {
        if m.anonVMA != 0 { avcs[avcs.count - 1].lastAnonVMA = m.anonVMA }
      } else {
        avcs.append((m.id, m.anonVMA))
      }
    }
  }
}
