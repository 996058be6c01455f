using System;
using System.IO;
using Xunit;

namespace AlbertAot.Tests.Integration;

/// <summary>Tests that start builds share one collection: they run one after another, not against each other's obj/ folders.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BuildsCollection : ICollectionFixture<TempRootCleanup>
{
    public const string Name = "dotnet builds";
}

/// <summary>Deletes the scratch folder (checkpoints, consumer projects, binaries) after the build tests.</summary>
public sealed class TempRootCleanup : IDisposable
{
    public void Dispose()
    {
        try { if (Directory.Exists(DotnetCli.TempRoot)) Directory.Delete(DotnetCli.TempRoot, recursive: true); }
        catch (IOException) { } // a leftover scratch folder is not a test failure
    }
}
