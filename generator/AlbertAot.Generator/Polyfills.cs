// netstandard2.0 lacks the types C# 9+ features compile against.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
