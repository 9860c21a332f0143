import AnonVMASim
import ScenePlayer
import Testing

@Suite("Typed ids (IDs.swift): distinct types that print, order and hash as their numbers")
struct IDTests {
  @Test("an id prints as its bare number, alone, in a name and in an array (names, state JSON, frames)")
  func printsAsItsNumber() {
    let a: AnonVMAID = 3
    #expect("\(a)" == "3")
    #expect(World.avName(a) == "AV3")
    #expect(World.pageName(PageID(12)) == "pg12")
    #expect("\([VMAID(1), 2, 10])" == "[1, 2, 10]")
  }

  @Test("ids order and hash as their numbers")
  func ordersAndHashesAsItsNumber() {
    let ids: [AVCID] = [5, 1, 3]
    #expect(ids.sorted().map(\.raw) == [1, 3, 5])
    #expect(AnonVMAID(7).hashValue == 7.hashValue)
    #expect(Set<PageID>([1, 2, 2]).count == 2)
    #expect(Set<AnonVMAID>([4, 9]).contains(9) && [AnonVMAID(2): "x"][2] == "x")
  }

  @Test("an AVn or pgn name reads back as the id it names")
  func namesReadBack() {
    #expect(World.anonVMAID(named: World.avName(42)) == 42)
    #expect(World.pageID(named: World.pageName(9)) == 9)
    #expect(World.anonVMAID(named: "pg9") == nil)
    #expect(World.pageID(named: "AVx") == nil)
  }

  @Test("storage by id: the first anon_vma is AV1, at index 0; a process id is its index")
  func accessByID() throws {
    let w = try #require(timeline("spawn P1\nmmap P1 A 1\ntouch P1 A 0").states.last)
    let p = try #require(w.processIndex(named: "P1"))
    #expect(p == 0 && w[process: p].name == "P1")
    #expect(w.isAllocated(AnonVMAID(1)) && !w.isAllocated(AnonVMAID(2)) && !w.isAllocated(AnonVMAID(0)))
    #expect(w[anonVMA: 1].id == 1 && w.anonVMAs[0].id == 1)
    #expect(w.isAllocated(PageID(1)) && w[page: 1].id == 1)
  }
}
