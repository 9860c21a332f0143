import AnonVMASim

extension Facts {
  /// The model's predictions after a step: every live process's VMAs and page-table entries.
  /// A page is exclusive when one entry maps it (mapcount 1), as `PM_MMAP_EXCLUSIVE` reports a
  /// small page mapped once (`pte_to_pagemap_entry()`, fs/proc/task_mmu.c, 6.x).
  public init(model world: World) {
    var processes: [String: ProcessFacts] = [:]
    for id in world.processIDs where world[process: id].alive {
      let process = world[process: id]
      var facts = ProcessFacts()
      for vid in process.vmas {
        guard let vma = world.vmas[vid], !vma.detached else { continue }
        facts.vmas.append(VMAFact(start: vma.start, end: vma.end, writable: vma.prot == .rw))
      }
      for (v, pte) in process.ptes {
        switch pte {
        case .page(let page, _), .migration(let page, _):
          let p = world[page: page]
          let kind: PageKind
          if case .ksm = p.mapping { kind = .ksm } else { kind = .anon }
          facts.pages[v] = PageFact(
            kind: kind, identity: UInt64(page.raw), mapcount: p.mapcount, exclusive: p.mapcount == 1)
        case .zero:
          facts.pages[v] = PageFact(kind: .zero, identity: 0, mapcount: 0, exclusive: false)
        case .swap(let slot):
          facts.pages[v] = PageFact(kind: .swapped, identity: UInt64(slot.raw), mapcount: 0, exclusive: false)
        }
      }
      processes[process.name] = facts
    }
    self.init(processes: processes)
  }
}
