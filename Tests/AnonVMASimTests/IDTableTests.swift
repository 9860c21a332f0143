import AnonVMASim
import PropertyBased
import Testing

@Suite("IDTable: its reads through the chunks' buffers agree with a dictionary of the same objects")
struct IDTableTests {
  /// An object with a string and an array, as a VMA has: copying it retains them.
  struct Object: Sendable, Hashable {
    var name: String
    var list: [Int]
  }

  @Test("after random stores, updates and removals over several chunks and pages, lookups agree with a dictionary")
  func agreesWithDictionary() async {
    // 150 ids spread up to past one page of chunks (4,096 slots), so that ops meet on an id.
    await propertyCheck(count: 200, input: Gen.int(in: 0...(3 * 150 - 1)).array(of: 1...300)) { ops in
      var table = IDTable<Object>()
      var model: [Int: Object] = [:]
      for (kind, raw) in ops.map({ ($0 % 3, $0 / 3 * 29) }) {
        let id = ID<Object>(raw)
        switch kind {
        case 0:
          let object = Object(name: "object \(raw) of a long enough name", list: [raw, kind])
          table[id] = object
          model[raw] = object
        case 1:
          table.update(id) { $0.list.append(raw) }
          model[raw]?.list.append(raw)
        default:
          table.remove(id)
          model[raw] = nil
        }
      }
      #expect(table.count == model.count)
      #expect(table.keys.map(\.raw) == model.keys.sorted())
      let ids = -1...4_400
      #expect(ids.filter { table.contains(ID($0)) != (model[$0] != nil) } == [], "contains")
      #expect(ids.filter { table[ID($0)] != model[$0] } == [], "subscript")
      #expect(ids.filter { table.withObject(ID($0)) { $0 } != model[$0] } == [], "withObject")
    }
  }
}
