/// What `anonvis conform` compares after a step, for one side (the model or the kernel).
///
/// Addresses are page numbers of the model's address space (``Process/ptes`` keys): the
/// executor maps page `v` at ``ExecutorLayout/address(ofPage:)``, and the kernel's facts are
/// converted back before they are compared.
public struct Facts: Sendable, Hashable {
  /// Every live scene process's facts, by its scene name.
  public var processes: [String: ProcessFacts]

  public init(processes: [String: ProcessFacts] = [:]) { self.processes = processes }
}

/// One process: its VMAs in the scene's window and what each page of them maps.
public struct ProcessFacts: Sendable, Hashable {
  /// In address order.
  public var vmas: [VMAFact]
  /// By page number; a page with nothing mapped is absent.
  public var pages: [Int: PageFact]

  public init(vmas: [VMAFact] = [], pages: [Int: PageFact] = [:]) {
    self.vmas = vmas
    self.pages = pages
  }
}

/// A VMA as `/proc/PID/maps` shows it: its range in pages (`end` exclusive) and whether it is writable.
public struct VMAFact: Sendable, Hashable, CustomStringConvertible {
  public var start: Int
  public var end: Int
  public var writable: Bool

  public init(start: Int, end: Int, writable: Bool) {
    self.start = start
    self.end = end
    self.writable = writable
  }

  public var description: String { "\(start)..\(end - 1) \(writable ? "rw" : "ro")" }
}

/// What a page-table entry maps.
public enum PageKind: String, Sendable, Hashable {
  /// An anonymous page of its own (not KSM, not the zero page).
  case anon
  /// A KSM page.
  case ksm
  /// The shared zero page (a read fault on untouched anonymous memory).
  case zero
  /// A swap entry.
  case swapped
  /// A present page that is none of the above (a file page: the model has none).
  case other
}

/// One mapped page.
public struct PageFact: Sendable, Hashable {
  public var kind: PageKind
  /// Which physical page: the model's page id, or the kernel's PFN. Only equality within one
  /// side means anything (which places map the same page).
  public var identity: UInt64
  /// The number of page-table entries mapping it (`kpagecount`; the model's `mapcount`).
  public var mapcount: Int
  /// Mapped by this one entry only (pagemap bit 56, `PM_MMAP_EXCLUSIVE`).
  public var exclusive: Bool

  public init(kind: PageKind, identity: UInt64, mapcount: Int, exclusive: Bool) {
    self.kind = kind
    self.identity = identity
    self.mapcount = mapcount
    self.exclusive = exclusive
  }
}

/// Where the executor puts the model's address space: page `v` of the model is at
/// `base + v * pageSize`, far above where the executor's own program, heap and libraries are.
public enum ExecutorLayout {
  public static let pageSize = 4096
  public static let base: UInt64 = 0x1000_0000_0000
  /// The window the scene's mappings lie in (2^32 pages).
  public static let span: UInt64 = 0x1000_0000_0000

  public static func address(ofPage v: Int) -> UInt64 { base + UInt64(v) * UInt64(pageSize) }

  /// The model page of an address in the window, or nil outside it.
  public static func page(at address: UInt64) -> Int? {
    guard address >= base, address - base < span else { return nil }
    return Int((address - base) / UInt64(pageSize))
  }
}

extension Facts {
  /// Test hook: flips the exclusive bit of the first anonymous or KSM page (by process name, then
  /// page) - a wrong fact that `conform` must report.
  public mutating func flipFirstExclusive() {
    for name in processes.keys.sorted() {
      guard let p = processes[name],
        let v = p.pages.keys.sorted().first(where: { [.anon, .ksm].contains(p.pages[$0]?.kind) })
      else { continue }
      processes[name]?.pages[v]?.exclusive.toggle()
      return
    }
  }
}
