/// The stable id of a kind of diagnostic, as swift-syntax's `MessageID` or rustc's `E0308`: one
/// case per kind of message, the same id for the same kind of problem from one version to the
/// next (a retired id is not reused). Ids are data, for tests and tools: a rendered diagnostic
/// does not print them. The raw value is the code: `S01xx` lexing, `S02xx` parsing, `S03xx` the
/// static checks, `S09xx` problems found later.
public enum DiagnosticID: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  // Lexing
  case unterminatedString = "S0101"
  case unknownEscape = "S0102"

  // Parsing: statements
  case statementIsString = "S0201"
  case unknownStatement = "S0202"
  case unknownKernel = "S0203"
  case unknownVariant = "S0204"
  case cpuCount = "S0205"
  case stepCount = "S0206"
  case notAnOperation = "S0207"
  case mappingSize = "S0208"
  case mmapOption = "S0209"
  case protection = "S0210"
  case unknownExpectation = "S0211"
  case firstPage = "S0212"
  case lockMode = "S0213"
  case lockState = "S0214"
  case vmaID = "S0215"
  case invariantCode = "S0216"
  case tooManyErrors = "S0217"
  case emptyScene = "S0218"
  // Parsing: one argument
  case missingArgument = "S0230"
  case stringForWord = "S0231"
  case badName = "S0232"
  case expectedString = "S0233"
  case badNumber = "S0234"
  case badRange = "S0235"
  case reversedRange = "S0236"
  case expectedWord = "S0237"
  case badCPUName = "S0238"
  case badAnonVMAName = "S0239"
  case extraArgument = "S0240"

  // Static checks
  case unknownProcess = "S0301"
  case exitedProcess = "S0302"
  case unknownMapping = "S0303"
  case pageOutOfRange = "S0304"
  case duplicateProcess = "S0305"
  case duplicateMapping = "S0306"
  case headerAfterOperation = "S0307"
  case headerTwice = "S0308"
  case unknownCPU = "S0309"
  case modernOnly = "S0310"
  case variantKernel = "S0311"

  /// Found after the static checks (running the scene, loading its file, checking its
  /// expectations): what ``Diagnostic/init(_:_:at:)`` gives the diagnostics made outside
  /// SceneScript.
  case later = "S0901"

  public var description: String { rawValue }
}
