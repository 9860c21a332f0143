import AnonVMASim

extension ForestDiagram {
  /// A page mapped in a VMA whose `page->mapping` names a freed anon_vma: a use-after-free
  /// (C12; "we're guaranteed no page can be pointing to this anon_vma once its vma list is
  /// empty", include/linux/rmap.h). Drawn as a danger arrow from the VMA's row into the freed
  /// box, and written on the row: `pg1→AV1 freed`.
  public struct DanglingMapping: Sendable, Hashable {
    public var page: PageID
    public var anonVMA: AnonVMAID
  }

  /// The dangling mappings of each VMA that maps such a page (its page tables), pages in order.
  static func danglingMappings(_ w: World) -> [VMAID: [DanglingMapping]] {
    var freedTarget: [PageID: AnonVMAID] = [:]
    for page in w.pages where !page.freed {
      if case .anon(let a) = page.mapping, w.anonVMA(a)?.alive == false { freedTarget[page.id] = a }
    }
    guard !freedTarget.isEmpty else { return [:] }
    var result: [VMAID: [DanglingMapping]] = [:]
    for pi in w.processIDs where w[process: pi].alive {
      for (vpage, pte) in w[process: pi].ptes {
        guard case .page(let p, _) = pte, let a = freedTarget[p], let v = w.vmaContaining(process: pi, vpage: vpage)
        else { continue }
        let mapping = DanglingMapping(page: p, anonVMA: a)
        if result[v]?.contains(mapping) != true { result[v, default: []].append(mapping) }
      }
    }
    for v in result.keys { result[v]?.sort { $0.page < $1.page } }
    return result
  }

  /// The row note of a VMA's dangling mappings: `pg1→AV1 freed`.
  static func danglingNote(_ mappings: [DanglingMapping]) -> String? {
    guard !mappings.isEmpty else { return nil }
    var byAnonVMA: [(AnonVMAID, [PageID])] = []
    for m in mappings {
      if let i = byAnonVMA.firstIndex(where: { $0.0 == m.anonVMA }) {
        byAnonVMA[i].1.append(m.page)
      } else {
        byAnonVMA.append((m.anonVMA, [m.page]))
      }
    }
    return byAnonVMA.map { a, pages in
      elided(pages.map(World.pageName), max: 3) + "→" + World.avName(a) + " freed"
    }.joined(separator: " ")
  }

  /// The violations the checker reported in this world's step (each is reported once, in the
  /// step it first holds).
  public static func stepViolations(_ w: World) -> [Violation] {
    w.violations.filter { $0.step == w.step }
  }

  /// The objects each of the step's violations names (``Violation/objects``: an anon_vma, a VMA,
  /// and for a page the VMAs mapping it), with the codes: marked `!C12` on the diagram. Processes,
  /// anon_vma_chains and stable nodes carry no mark.
  static func violationMarks(_ w: World) -> [Object: [String]] {
    let violations = stepViolations(w)
    guard !violations.isEmpty else { return [:] }
    var marks: [Object: [String]] = [:]
    func mark(_ o: Object, _ code: String) {
      if marks[o]?.contains(code) != true { marks[o, default: []].append(code) }
    }
    for violation in violations {
      for ref in violation.objects {
        switch ref {
        case .anonVMA(let a) where w.isAllocated(a): mark(.anonVMA(a), violation.code)
        case .vma(let v) where w.vmas[v] != nil: mark(.vma(v), violation.code)
        case .page(let p) where w.isAllocated(p):
          for v in mappers(of: p, in: w) { mark(.vma(v), violation.code) }
        case .anonVMA, .vma, .page, .process, .avc, .stableNode: break
        }
      }
    }
    return marks
  }

  /// The mark of an object's violations: `!C12`.
  static func violationText(_ codes: [String]) -> String { codes.map { "!" + $0 }.joined(separator: " ") }
}
