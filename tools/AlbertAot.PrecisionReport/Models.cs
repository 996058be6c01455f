using AlbertAot;

namespace AlbertAot.PrecisionReport;

// One checkpoint in three precisions (AlbertAot.PrecisionReport.csproj declares it three times).

[AlbertModel("report-fp32")]
internal sealed partial class ReportFloat32;

[AlbertModel("report-bf16")]
internal sealed partial class ReportBFloat16;

[AlbertModel("report-int8")]
internal sealed partial class ReportInt8;
