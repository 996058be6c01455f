using AlbertAot;

namespace AlbertAot.Tests.Fixtures;

// Each fixture of ../shared/fixtures (copied into data/fixtures), compiled by the generator at build time.

[AlbertModel("tiny-v1")]
public partial class TinyV1Model;

[AlbertModel("tiny-groups")]
public partial class TinyGroupsModel;

[AlbertModel("tiny-heads-base")]
public partial class TinyHeadsBaseModel;

[AlbertModel("tiny-heads-seq-cls")]
public partial class TinyHeadsSeqClsModel;

[AlbertModel("tiny-heads-token-cls")]
public partial class TinyHeadsTokenClsModel;

[AlbertModel("tiny-heads-qa")]
public partial class TinyHeadsQaModel;

[AlbertModel("tiny-heads-multiple-choice")]
public partial class TinyHeadsMultipleChoiceModel;
