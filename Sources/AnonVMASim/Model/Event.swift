/// A kernel-level event: one micro-step, naming the kernel function and the objects it touched.
public struct Event: Sendable, Hashable {
  public var cpu: Int
  public var function: String
  public var text: String
  /// The objects ``text`` names, in the order it names them (the first anon_vma is the one
  /// locked, unlinked, freed or walked); empty when not narrating, like the text.
  public var objects: [ObjectRef]

  /// An event whose text is formatted only when `narrating` (``World/emit`` passes the world's
  /// setting: quiet builds take millions of micro-steps and format nothing).
  init(
    cpu: Int, function: String, narrating: Bool, text: @autoclosure () -> String,
    objects: @autoclosure () -> [ObjectRef] = []
  ) {
    self.cpu = cpu
    self.function = function
    if narrating {
      self.text = text()
      self.objects = objects()
    } else {
      self.text = ""
      self.objects = []
    }
  }

  /// One line: `function: text`.
  public var summary: String { "\(function): \(text)" }
}

/// An invariant violation (`Docs/kernel-semantics.md` §C).
public struct Violation: Sendable, Hashable {
  public var code: String
  public var step: Int
  public var message: String
  /// The objects ``message`` names, in its order (an object freed by then included).
  public var objects: [ObjectRef]
}

/// The outcome of the most recent reverse-map walk.
public struct RmapWalk: Sendable, Hashable {
  public var page: PageID
  /// Where the walk started, as `PROCESS MAPPING INDEX`.
  public var origin: String
  public var lock: AnonVMAID?
  public var locks: [AnonVMAID]
  public var visited: [String]
  public var skipped: [String]
  /// The anon_vma walked: the one page->mapping named when the walk locked it (whatever
  /// occupies that memory now, D.7); nil for a KSM walk, which walks each rmap_item's.
  public var anonVMA: AnonVMAID? = nil
  /// What the walk found at each visited VMA whose PTE it read (`try_to_unmap_one()` or 6.x's
  /// `try_to_migrate_one()`, `remove_migration_pte()`, `page_referenced_one()` or 6.x's
  /// `folio_referenced_one()`): `maps`, `unmapped`, `remapped` (the PTE
  /// held the page or its migration entry) or `no pte` (no PTE for the page there). Set with the
  /// narrated event, from the same match; a KSM walk records none.
  public var found: [String: String] = [:]
  /// The step in which the walk finished (what it saw may be gone in later steps).
  public var step = 0
}
