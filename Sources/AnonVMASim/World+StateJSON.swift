extension World {
  /// The model part of the state JSON of `Docs/state-json.md` (the scene fields come from the player).
  public func stateFields() -> [(String, JSON)] {
    let v6 = kernel.isModern
    let processesJSON: [JSON] = processes.map { p in
      .object([
        ("name", .string(p.name)),
        ("parent", .opt(p.parent.map { self[process: $0].name })),
        ("alive", .bool(p.alive)),
        ("vmas", .strings(p.vmas.map { vmaName($0) })),
      ])
    }
    let vmasJSON: [JSON] = orderedVMAs.compactMap { id in
      guard let v = vmas[id] else { return nil }
      return .object([
        ("id", .string(vmaName(id))),
        ("process", .string(self[process: v.process].name)),
        ("mapping", .string(v.mapping)),
        ("first_page", .int(v.firstPage)),
        ("pages", .int(v.pages)),
        ("prot", .string(v.prot.rawValue)),
        ("anon_vma", .opt(v.anonVMA.map { World.avName($0) })),
        ("chain", .strings(chainAnonVMAs(id).map { World.avName($0) })),
        ("detached", .bool(v.detached)),
        // vm_pgoff in first_page's numbering: first_page, unless mremap kept the pages' offset
        // or vma_adjust() has stored vm_start and not yet vm_pgoff.
        ("pgoff", .int(v.pgoff - v.base)),
      ])
    }
    let anonJSON: [JSON] = anonVMAs.filter(\.alive).map { a in
      .object([
        ("id", .string(World.avName(a.id))),
        ("root", .opt(kernel == .v2_6_34 ? nil : a.root.map { World.avName($0) })),
        ("parent", .opt(v6 ? a.parent.map { World.avName($0) } : nil)),
        ("refcount", .int(a.refcount)),
        ("num_children", v6 ? .int(a.numChildren) : .null),
        ("num_active_vmas", v6 ? .int(a.numActiveVMAs) : .null),
        ("vmas", .strings(listVMAs(a.id).map { vmaName($0) })),
      ])
    }
    let mapped = mappedAtByPage()
    let pagesJSON: [JSON] = listedPages.map { id in
      let page = self[page: id]
      var anon: String?
      var ksm: String?
      switch page.mapping {
      case .anon(let a): anon = World.avName(a)
      case .ksm(let k): ksm = "K\(k)"
      case .none: break
      }
      return .object([
        ("id", .string(World.pageName(id))),
        ("anon_vma", .opt(anon)),
        ("ksm", .opt(ksm)),
        ("mapped_at", .strings((mapped[id] ?? []).map { locationName(process: $0.process, vpage: $0.vpage) })),
      ])
    }
    let ksmJSON: [JSON] = stableNodes.filter(\.alive).map { node in
      .object([
        ("id", .string("K\(node.id)")),
        ("page", .string(World.pageName(node.page))),
        (
          "items",
          .array(
            node.items.map { item in
              let vma = vmaContaining(process: item.process, vpage: item.address).map { vmaName($0) }
              return .object([
                ("process", .string(self[process: item.process].name)),
                ("vma", .string(vma ?? item.vmaName)),
                ("anon_vma", .string(World.avName(item.anonVMA))),
              ])
            })
        ),
      ])
    }
    let kind = v6 ? "rwsem" : "spinlock"
    let locksJSON: [JSON] = lockedAnonVMAs.map { a in
      let holders = (lockHolders[a] ?? []).map { h -> JSON in
        .object([("cpu", .string("cpu\(h.cpu)")), ("mode", .string(h.mode.rawValue))])
      }
      let waiters = cpus.filter { $0.waitingFor == a && $0.state != .idle && $0.state != .running }
        .map { c -> JSON in
          .object([
            ("cpu", .string(c.name)), ("mode", .string((c.waitingMode ?? .exclusive).rawValue)),
          ])
        }
      return .object([
        ("lock", .string(World.avName(a))), ("kind", .string(kind)),
        ("holders", .array(holders)), ("waiters", .array(waiters)),
      ])
    }
    let cpusJSON: [JSON] = cpus.map { c in
      .object([
        ("id", .string(c.name)),
        ("state", .string(c.state.rawValue)),
        ("op", .opt(c.op)),
        ("micro_step", .opt(c.microStep)),
        ("holds", .strings(c.holds.map { World.avName($0) })),
      ])
    }
    let walkJSON: JSON =
      lastWalk.map { w in
        .object([
          ("page", .string(World.pageName(w.page))),
          ("from", .string(w.origin)),
          ("lock", .opt(w.lock.map { World.avName($0) })),
          ("locks", .strings(w.locks.map { World.avName($0) })),
          ("visited", .strings(w.visited)),
          ("skipped", .strings(w.skipped)),
        ])
      } ?? .null
    let violationsJSON: [JSON] = violations.map { v in
      .object([("code", .string(v.code)), ("step", .int(v.step)), ("message", .string(v.message))])
    }
    return [
      ("processes", .array(processesJSON)),
      ("vmas", .array(vmasJSON)),
      ("anon_vmas", .array(anonJSON)),
      ("pages", .array(pagesJSON)),
      ("ksm", .array(ksmJSON)),
      ("locks", .array(locksJSON)),
      ("cpus", .array(cpusJSON)),
      ("last_walk", walkJSON),
      ("freed", .strings(freedThisStep.map { World.avName($0) })),
      ("violations", .array(violationsJSON)),
    ]
  }
}
