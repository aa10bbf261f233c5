// found in input dir
