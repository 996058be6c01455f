using AlbertAot;

namespace AlbertAot.Tests.Fixtures;

// The fixtures in reduced precision (issue 8, docs/precision.md). tiny-v1 asks on the attribute, next to its float32
// class (one checkpoint embedded in two precisions); tiny-groups and tiny-heads/seq-cls ask on their project items
// (AlbertAot.Tests.csproj), so their converted checkpoint is the only one embedded.

[AlbertModel("tiny-v1", Precision = AlbertPrecision.BFloat16)]
public partial class TinyV1BFloat16Model;

[AlbertModel("tiny-v1", Precision = AlbertPrecision.Int8)]
public partial class TinyV1Int8Model;

[AlbertModel("tiny-groups-bf16")]
public partial class TinyGroupsBFloat16Model;

[AlbertModel("tiny-groups-int8")]
public partial class TinyGroupsInt8Model;

[AlbertModel("tiny-heads-seq-cls-bf16")]
public partial class TinyHeadsSeqClsBFloat16Model;

[AlbertModel("tiny-heads-seq-cls-int8")]
public partial class TinyHeadsSeqClsInt8Model;
