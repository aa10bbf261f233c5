b x @{__LINE__}
