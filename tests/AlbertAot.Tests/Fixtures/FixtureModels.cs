using AlbertAot;

namespace AlbertAot.Tests.Fixtures;

// Each fixture of ../shared/fixtures (copied into data/fixtures), compiled by the generator at build time.

[AlbertModel("tiny-v1")]
public partial class TinyV1Model;

[AlbertModel("tiny-groups")]
public partial class TinyGroupsModel;

[AlbertModel("tiny-heads-base")]
public partial class TinyHeadsBaseModel;
