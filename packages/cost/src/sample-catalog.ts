/**
 * The sample GPU/CPU instance price catalog shipped with the package, in the public SkyPilot
 * catalog layout. Written by hand (nothing downloaded) from the providers' public list prices:
 * AWS EC2 On-Demand Linux prices for us-east-1 / us-west-2 and Google Compute Engine prices for
 * us-central1 as published in 2024 (before AWS's June 2025 P4/P5 price cut), with accelerator,
 * vCPU and memory figures from the providers' instance-type pages. On-demand prices are list
 * prices; spot prices are single illustrative points (spot prices move hourly), not quotes.
 * Replace or override it with your own prices for real bills.
 */
export const SAMPLE_CATALOG_AS_OF = '2024-06-01';

/** Where the sample prices come from. */
export const SAMPLE_CATALOG_SOURCE =
  'Hand-written from public list prices: AWS EC2 On-Demand pricing (Linux, us-east-1/us-west-2) and Google Compute Engine ' +
  'pricing (us-central1), as published in 2024; spot prices are illustrative points, not quotes.';

export const SAMPLE_CATALOG_CSV = `InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,SpotPrice,Region
p3.2xlarge,V100,1,8,61,3.06,0.918,us-east-1
p3.8xlarge,V100,4,32,244,12.24,3.672,us-east-1
p3.16xlarge,V100,8,64,488,24.48,7.344,us-east-1
p4d.24xlarge,A100,8,96,1152,32.7726,11.5705,us-east-1
p4d.24xlarge,A100,8,96,1152,32.7726,12.0291,us-west-2
p5.48xlarge,H100,8,192,2048,98.32,39.328,us-east-1
g4dn.xlarge,T4,1,4,16,0.526,0.1578,us-east-1
g4dn.12xlarge,T4,4,48,192,3.912,1.1736,us-east-1
g5.xlarge,A10G,1,4,16,1.006,0.3018,us-east-1
g5.12xlarge,A10G,4,48,192,5.672,1.7016,us-east-1
g5.48xlarge,A10G,8,192,768,16.288,4.8864,us-east-1
m5.xlarge,,0,4,16,0.192,0.0672,us-east-1
m5.4xlarge,,0,16,64,0.768,0.2688,us-east-1
c5.4xlarge,,0,16,32,0.68,0.238,us-east-1
a2-highgpu-1g,A100,1,12,85,3.673385,1.1019,us-central1
a2-highgpu-8g,A100,8,96,680,29.387081,8.8161,us-central1
g2-standard-4,L4,1,4,16,0.706832,0.2209,us-central1
n1-standard-8,,0,8,30,0.379998,0.0802,us-central1
`;
