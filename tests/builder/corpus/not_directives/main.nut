@includes "x"
@iffy
@endif2
@elsewhere
@{1}@if
